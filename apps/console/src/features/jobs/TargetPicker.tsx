import type { DeviceResponse, JobTarget, Page } from '@fleetdesk/api-types';
import {
  Alert,
  Checkbox,
  Group,
  Loader,
  MultiSelect,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../../api/client';
import { GroupsSelect, TagsSelect } from '../devices/FacetSelects';
import { deviceIdentity, shortId } from '../devices/identity';

export type TargetMode = 'preset' | 'pick' | 'all';

export interface TargetDraft {
  mode: TargetMode;
  /** Chosen devices, id → label (kept so chips stay labelled when a search hides them). */
  devices: Record<string, string>;
  tags: string[];
  groupIds: string[];
  os: string[];
  allConfirmed: boolean;
}

export const OS_OPTIONS = [
  { value: 'linux', label: 'Linux' },
  { value: 'win32', label: 'Windows' },
  { value: 'darwin', label: 'macOS' },
];

export function initialTarget(presetIds: string[] | undefined): TargetDraft {
  return {
    mode: presetIds?.length ? 'preset' : 'pick',
    devices: {},
    tags: [],
    groupIds: [],
    os: [],
    allConfirmed: false,
  };
}

/** The request's target, or the reason there is none yet. */
export function buildTarget(
  t: TargetDraft,
  presetIds: string[] | undefined,
): { target: JobTarget } | { problem: string } {
  if (t.mode === 'preset') {
    return presetIds?.length
      ? { target: { deviceIds: presetIds } }
      : { problem: 'No devices were selected' };
  }
  if (t.mode === 'all') {
    return t.allConfirmed
      ? { target: { all: true } }
      : { problem: 'Confirm that the script should run on every device' };
  }
  const target: JobTarget = {};
  const ids = Object.keys(t.devices);
  if (ids.length) target.deviceIds = ids;
  if (t.tags.length) target.tags = t.tags;
  if (t.groupIds.length) target.groupIds = t.groupIds;
  if (t.os.length) target.os = t.os;
  return Object.keys(target).length
    ? { target }
    : { problem: 'Choose at least one device, tag, group or operating system' };
}

/** The chip's text: the name plus the short id, so two same-named devices never look alike. */
export const deviceLabel = (d: DeviceResponse) =>
  `${d.displayName === d.hostname ? d.hostname : `${d.displayName} (${d.hostname})`} #${shortId(d.id)}`;

export function DevicePicker({
  value,
  onChange,
}: {
  value: Record<string, string>;
  onChange: (next: Record<string, string>) => void;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const found = useQuery({
    queryKey: ['jobs', 'target-devices', q],
    queryFn: () => get<Page<DeviceResponse>>('/devices', { q: q || undefined, pageSize: 50 }),
    placeholderData: (previous) => previous,
  });
  const options = new Map<string, string>(Object.entries(value));
  const details = new Map<string, string>();
  for (const d of found.data?.items ?? []) {
    if (d.status === 'revoked') continue;
    options.set(d.id, deviceLabel(d));
    details.set(d.id, `${deviceIdentity(d)} · ${d.status}`);
  }
  return (
    <MultiSelect
      label="Devices"
      placeholder={Object.keys(value).length ? undefined : 'Search by name, hostname or IP'}
      data={[...options].map(([v, label]) => ({ value: v, label }))}
      value={Object.keys(value)}
      onChange={(ids) => onChange(Object.fromEntries(ids.map((id) => [id, options.get(id) ?? id])))}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      // The server searched already; the options are its answer.
      filter={({ options: o }) => o}
      nothingFoundMessage={found.isFetching ? 'Searching…' : 'No device matches'}
      rightSection={found.isFetching ? <Loader size="xs" /> : undefined}
      error={found.isError ? 'Could not search devices' : undefined}
      renderOption={({ option }) => (
        <Stack gap={0} data-testid="device-option" data-device-id={option.value}>
          <Text size="sm">{option.label}</Text>
          <Text size="xs" c="dimmed" data-testid="device-option-identity">
            {details.get(option.value)}
          </Text>
        </Stack>
      )}
      hidePickedOptions
      clearable
    />
  );
}

/** Where a job runs: preset devices, any union of devices / tags / groups / OS, or everything. */
export function TargetPicker({
  value,
  onChange,
  presetIds,
  error,
}: {
  value: TargetDraft;
  onChange: (next: TargetDraft) => void;
  presetIds?: string[];
  error?: string;
}) {
  const set = (patch: Partial<TargetDraft>) => onChange({ ...value, ...patch });
  const modes = [
    ...(presetIds?.length
      ? [
          {
            value: 'preset',
            label: `Selected device${presetIds.length === 1 ? '' : 's'} (${presetIds.length})`,
          },
        ]
      : []),
    { value: 'pick', label: 'Devices, tags, groups or OS' },
    { value: 'all', label: 'All devices' },
  ];

  return (
    <Stack gap="sm">
      <SegmentedControl
        aria-label="Target"
        data={modes}
        value={value.mode}
        onChange={(m) => set({ mode: m as TargetMode })}
        fullWidth
      />
      {value.mode === 'preset' && (
        <Text size="sm" data-testid="preset-target">
          Runs on the {presetIds?.length} device{presetIds?.length === 1 ? '' : 's'} you selected.
          Revoked devices are skipped.
        </Text>
      )}
      {value.mode === 'all' && (
        <Alert color="orange" title="Every enrolled device">
          <Stack gap="xs">
            <Text size="sm">
              The script runs on every enrolled, non-revoked device, including offline ones when
              they come back (within the offline wait below).
            </Text>
            <Checkbox
              label="I understand: run on all devices"
              checked={value.allConfirmed}
              onChange={(e) => set({ allConfirmed: e.currentTarget.checked })}
            />
          </Stack>
        </Alert>
      )}
      {value.mode === 'pick' && (
        <>
          <Text size="xs" c="dimmed">
            Runs on every device matching any of these (devices, tags, groups and operating systems
            add up). Revoked devices are skipped.
          </Text>
          <DevicePicker value={value.devices} onChange={(devices) => set({ devices })} />
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
            {/* Mounted in this mode only, so the fleet's tags and groups load when needed. */}
            <TagsSelect label="Tags" value={value.tags} onChange={(v) => set({ tags: v })} />
            <GroupsSelect
              label="Groups"
              value={value.groupIds}
              onChange={(v) => set({ groupIds: v })}
            />
            <MultiSelect
              label="Operating systems"
              data={OS_OPTIONS}
              value={value.os}
              onChange={(v) => set({ os: v })}
            />
          </SimpleGrid>
        </>
      )}
      {error && (
        <Group>
          <Text size="sm" c="red" role="alert">
            {error}
          </Text>
        </Group>
      )}
    </Stack>
  );
}
