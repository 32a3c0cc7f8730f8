import { MONITORING_LIMITS as L } from '@fleetdesk/api-types';
import { MultiSelect, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useDeviceNames } from '../checks/api';
import { fetchGroups, fetchTags, groupsKey, tagsKey } from '../devices/api';
import { DevicePicker, deviceLabel } from '../jobs/TargetPicker';

/** The devices a website check also runs from, as the form holds them. */
export interface RunFromDraft {
  /** Chosen devices, id → label (kept so chips stay labelled when a search hides them). */
  devices: Record<string, string>;
  tags: string[];
  groupIds: string[];
}

/**
 * Devices a website check also runs from (the server always does): named, by tag, by group,
 * the way agent checks choose theirs. Each sees the site from inside its own network.
 */
export function RunFromPicker({
  value,
  onChange,
  namedIds,
  error,
}: {
  value: RunFromDraft;
  onChange: (next: RunFromDraft) => void;
  /** The device ids the saved check names, labelled once their names arrive. */
  namedIds: string[];
  error?: string;
}) {
  const tags = useQuery({ queryKey: tagsKey, queryFn: fetchTags });
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups });
  const names = useDeviceNames(namedIds);
  const picked = Object.fromEntries(
    Object.entries(value.devices).map(([id, label]) => {
      const found = names.data?.get(id);
      return [id, found ? deviceLabel(found) : label];
    }),
  );
  return (
    <Stack gap={6} data-testid="run-from">
      <Text fw={500} size="sm" mt="xs">
        Also run from devices
      </Text>
      <Text size="xs" c="dimmed">
        To see the site from inside their network. Each device&apos;s results and alerts are its
        own; agents older than protocol 6 do not run it.
      </Text>
      <DevicePicker value={picked} onChange={(devices) => onChange({ ...value, devices })} />
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <MultiSelect
          label="Devices tagged"
          data={(tags.data ?? []).map((t) => ({
            value: t.name,
            label: `${t.name} (${t.deviceCount})`,
          }))}
          value={value.tags}
          onChange={(v) => onChange({ ...value, tags: v })}
          maxValues={L.filterTags}
          searchable
          nothingFoundMessage={tags.isPending ? 'Loading…' : 'No tags'}
        />
        <MultiSelect
          label="Devices in groups"
          data={(groups.data ?? []).map((g) => ({
            value: g.id,
            label: `${g.name} (${g.deviceCount})`,
          }))}
          value={value.groupIds}
          onChange={(v) => onChange({ ...value, groupIds: v })}
          maxValues={L.runFromIds}
          searchable
          nothingFoundMessage={groups.isPending ? 'Loading…' : 'No groups'}
        />
      </SimpleGrid>
      {error && (
        <Text size="xs" c="red" role="alert">
          {error}
        </Text>
      )}
    </Stack>
  );
}
