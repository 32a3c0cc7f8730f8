import {
  EVENT_LOG_LEVEL_NAMES,
  JOURNALD_PRIORITY_NAMES,
  LOG_COLLECTION_RULES,
} from '@fleetdesk/api-types';
import {
  ActionIcon,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { emptySource, type SourceDraft, type SourceErrors, type SourceType } from './sources';

const TYPES: { value: SourceType; label: string }[] = [
  { value: 'file', label: 'File or glob' },
  { value: 'journald', label: 'journald' },
  { value: 'eventlog', label: 'Windows Event Log' },
];

const PRIORITIES = JOURNALD_PRIORITY_NAMES.map((name, i) => ({
  value: String(i),
  label: `${i} ${name} and more severe`,
}));
const LEVELS = Object.entries(EVENT_LOG_LEVEL_NAMES).map(([n, name]) => ({
  value: n,
  label: `${n} ${name} and more severe`,
}));

function SourceRow({
  n,
  value,
  errors,
  onChange,
  onRemove,
}: {
  n: number;
  value: SourceDraft;
  errors: SourceErrors;
  onChange: (next: SourceDraft) => void;
  onRemove?: () => void;
}) {
  const set = (patch: Partial<SourceDraft>) => onChange({ ...value, ...patch });
  return (
    <Paper withBorder p="xs" data-testid="log-source">
      <Group align="flex-start" gap="xs" wrap="nowrap">
        <SimpleGrid
          cols={{ base: 1, sm: value.type === 'file' ? 2 : 3 }}
          spacing="xs"
          verticalSpacing="xs"
          style={{ flex: 1, minWidth: 0 }}
        >
          <Select
            label={`Source ${n}`}
            data={TYPES}
            value={value.type}
            allowDeselect={false}
            onChange={(t) => t && onChange({ ...emptySource(t), path: value.path })}
          />
          {value.type === 'file' && (
            <TextInput
              label="Path or glob"
              placeholder="/var/log/nginx/*.log"
              description="Absolute; * and ** allowed"
              value={value.path}
              onChange={(e) => set({ path: e.currentTarget.value })}
              error={errors.path}
            />
          )}
          {value.type === 'journald' && (
            <>
              <TextInput
                label="Unit (optional)"
                placeholder="nginx.service"
                value={value.unit}
                onChange={(e) => set({ unit: e.currentTarget.value })}
                error={errors.unit}
              />
              <Select
                label="Priority"
                placeholder="Any"
                data={PRIORITIES}
                value={value.priority || null}
                onChange={(p) => set({ priority: p ?? '' })}
                error={errors.priority}
                clearable
              />
            </>
          )}
          {value.type === 'eventlog' && (
            <>
              <TextInput
                label="Log name"
                placeholder="System"
                value={value.log}
                onChange={(e) => set({ log: e.currentTarget.value })}
                error={errors.log}
              />
              <Select
                label="Level"
                placeholder="Any"
                data={LEVELS}
                value={value.level || null}
                onChange={(l) => set({ level: l ?? '' })}
                error={errors.level}
                clearable
              />
            </>
          )}
        </SimpleGrid>
        {onRemove && (
          <ActionIcon
            variant="subtle"
            color="gray"
            mt={24}
            aria-label={`Remove source ${n}`}
            onClick={onRemove}
          >
            ✕
          </ActionIcon>
        )}
      </Group>
    </Paper>
  );
}

/**
 * What to read on each device: files and globs, journald, the Windows Event Log. The time
 * window applies to every source (the form's since/until), as the agent filters lines by
 * their stamps.
 */
export function SourcesEditor({
  value,
  onChange,
  errors,
}: {
  value: SourceDraft[];
  onChange: (next: SourceDraft[]) => void;
  errors: SourceErrors[];
}) {
  const max = LOG_COLLECTION_RULES.sources;
  return (
    <Stack gap="xs">
      {value.map((s, i) => (
        <SourceRow
          key={i}
          n={i + 1}
          value={s}
          errors={errors[i] ?? {}}
          onChange={(next) => onChange(value.map((v, j) => (j === i ? next : v)))}
          onRemove={value.length > 1 ? () => onChange(value.filter((_, j) => j !== i)) : undefined}
        />
      ))}
      <Group gap="xs">
        <Button
          variant="light"
          size="xs"
          disabled={value.length >= max}
          onClick={() => onChange([...value, emptySource('file')])}
        >
          Add a source
        </Button>
        {value.length >= max && (
          <Text size="xs" c="dimmed">
            At most {max} sources.
          </Text>
        )}
      </Group>
    </Stack>
  );
}
