import type { ParamType } from '@fleetdesk/api-types';
import {
  ActionIcon,
  Badge,
  Button,
  Card,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { MAX_ENUM_OPTIONS, MAX_PARAMETERS, PARAM_NAME_MAX_LENGTH } from '@fleetdesk/api-types';
import { emptyParam, type ParamDraft, type ParamErrors, PARAM_TYPE_OPTIONS } from './params';

const typeLabel = (t: ParamType) => PARAM_TYPE_OPTIONS.find((o) => o.value === t)?.label ?? t;

function DefaultInput({
  draft,
  error,
  onChange,
}: {
  draft: ParamDraft;
  error?: string;
  onChange: (patch: Partial<ParamDraft>) => void;
}) {
  const label = 'Default value';
  const disabled = draft.required;
  const description = draft.required
    ? 'Required parameters have no default: whoever runs the script supplies the value'
    : draft.keepsSecretDefault
      ? 'A secret default is stored (never shown). Type to replace it, or clear it.'
      : 'Used when the technician leaves the value empty';
  const set = (text: string) => onChange({ defaultText: text, keepsSecretDefault: false });

  switch (draft.type) {
    case 'number':
      return (
        <NumberInput
          label={label}
          description={description}
          error={error}
          disabled={disabled}
          value={draft.defaultText}
          onChange={(v) => set(String(v))}
          placeholder="No default"
        />
      );
    case 'boolean':
      return (
        <Select
          label={label}
          description={description}
          error={error}
          disabled={disabled}
          data={[
            { value: 'true', label: 'Yes (true)' },
            { value: 'false', label: 'No (false)' },
          ]}
          value={draft.defaultText || null}
          onChange={(v) => set(v ?? '')}
          placeholder="No default"
          clearable
        />
      );
    case 'enum':
      return (
        <Select
          label={label}
          description={description}
          error={error}
          disabled={disabled}
          data={[...new Set(draft.options)]}
          value={draft.defaultText || null}
          onChange={(v) => set(v ?? '')}
          placeholder={draft.options.length ? 'No default' : 'Add options first'}
          clearable
        />
      );
    case 'string':
      return draft.secret ? (
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <PasswordInput
            style={{ flex: 1 }}
            label={label}
            description={description}
            error={error}
            disabled={disabled}
            value={draft.defaultText}
            onChange={(e) => set(e.currentTarget.value)}
            placeholder={draft.keepsSecretDefault ? '•••••• (stored)' : 'No default'}
            autoComplete="new-password"
          />
          {draft.keepsSecretDefault && !disabled && (
            <Button variant="subtle" color="red" size="xs" mb={4} onClick={() => set('')}>
              Clear stored default
            </Button>
          )}
        </Group>
      ) : (
        <TextInput
          label={label}
          description={description}
          error={error}
          disabled={disabled}
          value={draft.defaultText}
          onChange={(e) => set(e.currentTarget.value)}
          placeholder="No default"
        />
      );
  }
}

function ParamCard({
  draft,
  index,
  count,
  errors,
  onChange,
  onMove,
  onRemove,
}: {
  draft: ParamDraft;
  index: number;
  count: number;
  errors: ParamErrors;
  onChange: (patch: Partial<ParamDraft>) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}) {
  const title = draft.name || `Parameter ${index + 1}`;
  const renamedSecret =
    draft.keepsSecretDefault && draft.storedName !== null && draft.storedName !== draft.name;
  return (
    <Card
      withBorder
      padding="sm"
      data-testid="param-row"
      data-param-name={draft.name}
      role="group"
      aria-label={`Parameter ${index + 1}`}
    >
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Text fw={600} size="sm" style={{ overflowWrap: 'anywhere' }}>
            {title}
          </Text>
          <Group gap={4} wrap="nowrap">
            <ActionIcon
              variant="subtle"
              aria-label={`Move ${title} up`}
              disabled={index === 0}
              onClick={() => onMove(-1)}
            >
              ↑
            </ActionIcon>
            <ActionIcon
              variant="subtle"
              aria-label={`Move ${title} down`}
              disabled={index === count - 1}
              onClick={() => onMove(1)}
            >
              ↓
            </ActionIcon>
            <Button variant="subtle" color="red" size="xs" onClick={onRemove}>
              Remove
            </Button>
          </Group>
        </Group>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm" verticalSpacing="xs">
          <TextInput
            label="Parameter name"
            description="Becomes an environment variable, e.g. SERVICE_NAME"
            required
            value={draft.name}
            error={
              errors.name ??
              (renamedSecret
                ? `Renaming drops the stored secret default of ${draft.storedName}`
                : undefined)
            }
            onChange={(e) => onChange({ name: e.currentTarget.value.toUpperCase() })}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            maxLength={PARAM_NAME_MAX_LENGTH}
          />
          <Select
            label="Type"
            data={PARAM_TYPE_OPTIONS}
            value={draft.type}
            allowDeselect={false}
            error={errors.type}
            onChange={(v) =>
              v &&
              onChange({
                type: v,
                defaultText: '',
                keepsSecretDefault: false,
                secret: v === 'string' ? draft.secret : false,
              })
            }
          />
        </SimpleGrid>
        <Group gap="lg">
          <Switch
            label="Required"
            checked={draft.required}
            onChange={(e) => onChange({ required: e.currentTarget.checked })}
          />
          <Switch
            label="Secret"
            description={
              draft.type === 'string'
                ? 'Hidden in job records and the audit log'
                : 'Only text parameters can be secret'
            }
            disabled={draft.type !== 'string'}
            checked={draft.secret}
            onChange={(e) =>
              onChange({ secret: e.currentTarget.checked, keepsSecretDefault: false })
            }
          />
        </Group>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="sm" verticalSpacing="xs">
          {draft.type === 'enum' && (
            <TagsInput
              label="Options"
              description="Press Enter after each option"
              value={draft.options}
              onChange={(options) =>
                onChange({
                  options,
                  defaultText: options.includes(draft.defaultText) ? draft.defaultText : '',
                })
              }
              maxTags={MAX_ENUM_OPTIONS}
              error={errors.options}
              splitChars={[',']}
            />
          )}
          <DefaultInput draft={draft} error={errors.default} onChange={onChange} />
          <TextInput
            label="Description"
            description="Shown to whoever runs the script"
            value={draft.description}
            error={errors.description}
            onChange={(e) => onChange({ description: e.currentTarget.value })}
          />
        </SimpleGrid>
      </Stack>
    </Card>
  );
}

/** The parameter definitions as a read-only table (viewers, built-in and archived scripts). */
export function ParametersTable({ params }: { params: ParamDraft[] }) {
  if (params.length === 0)
    return (
      <Text size="sm" c="dimmed">
        This script takes no parameters.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={600}>
      <Table withTableBorder data-testid="params-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Type</Table.Th>
            <Table.Th>Default</Table.Th>
            <Table.Th>Description</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {params.map((p) => (
            <Table.Tr key={p.key} data-testid="param-row" data-param-name={p.name}>
              <Table.Td>
                <Group gap={6}>
                  <Text size="sm" ff="monospace">
                    {p.name}
                  </Text>
                  {p.required && (
                    <Badge size="xs" variant="light" color="red">
                      required
                    </Badge>
                  )}
                  {p.secret && (
                    <Badge size="xs" variant="light" color="grape">
                      secret
                    </Badge>
                  )}
                </Group>
              </Table.Td>
              <Table.Td>
                {typeLabel(p.type)}
                {p.type === 'enum' && (
                  <Text size="xs" c="dimmed">
                    {p.options.join(', ')}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {p.keepsSecretDefault ? (
                  <Text size="sm" c="dimmed">
                    (secret, stored)
                  </Text>
                ) : p.defaultText === '' ? (
                  <Text size="sm" c="dimmed">
                    —
                  </Text>
                ) : (
                  <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                    {p.defaultText}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="sm">{p.description}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Edits a script's parameter definitions: add, reorder (argument order), remove. */
export function ParametersEditor({
  value,
  onChange,
  errors,
}: {
  value: ParamDraft[];
  onChange: (next: ParamDraft[]) => void;
  errors: ParamErrors[];
}) {
  const patchAt = (i: number, patch: Partial<ParamDraft>) =>
    onChange(value.map((d, j) => (j === i ? { ...d, ...patch } : d)));
  const move = (i: number, delta: -1 | 1) => {
    const next = [...value];
    const [item] = next.splice(i, 1);
    next.splice(i + delta, 0, item);
    onChange(next);
  };
  return (
    <Stack gap="sm">
      {value.length === 0 && (
        <Text size="sm" c="dimmed">
          No parameters. Add one to ask for a value (a service name, a path …) each time the script
          runs; it reaches the script as an environment variable and as an argument.
        </Text>
      )}
      {value.map((d, i) => (
        <ParamCard
          key={d.key}
          draft={d}
          index={i}
          count={value.length}
          errors={errors[i] ?? {}}
          onChange={(patch) => patchAt(i, patch)}
          onMove={(delta) => move(i, delta)}
          onRemove={() => onChange(value.filter((_, j) => j !== i))}
        />
      ))}
      <Group>
        <Button
          variant="light"
          onClick={() => onChange([...value, emptyParam()])}
          disabled={value.length >= MAX_PARAMETERS}
        >
          Add parameter
        </Button>
        {value.length >= MAX_PARAMETERS && (
          <Text size="xs" c="dimmed">
            A script takes at most {MAX_PARAMETERS} parameters.
          </Text>
        )}
      </Group>
    </Stack>
  );
}
