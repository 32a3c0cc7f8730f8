import {
  ALERT_SEVERITIES,
  ALERT_SOURCES,
  type AlertSeverity,
  type AlertState,
} from '@fleetdesk/api-types';
import { Group, MultiSelect, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { fetchDevice, fetchDevices } from '../devices/api';
import { sourceLabel } from './look';

export type StateFilter = 'open' | AlertState | 'all';

export const STATE_FILTERS: { value: StateFilter; label: string; states?: AlertState[] }[] = [
  { value: 'open', label: 'Open (firing or acknowledged)', states: ['firing', 'acknowledged'] },
  { value: 'firing', label: 'Firing', states: ['firing'] },
  { value: 'acknowledged', label: 'Acknowledged', states: ['acknowledged'] },
  { value: 'resolved', label: 'Resolved', states: ['resolved'] },
  { value: 'all', label: 'All states' },
];

export interface AlertFilterValues {
  state: StateFilter;
  severity: AlertSeverity[];
  source: string | null;
  deviceId: string | null;
}

/** A device to filter by, found by name; the chosen one keeps its name when off the results. */
function DevicePicker({
  value,
  onChange,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
}) {
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  const found = useQuery({
    queryKey: ['devices', 'picker', debounced],
    queryFn: () => fetchDevices({ q: debounced || undefined, page: 1, pageSize: 20 }),
  });
  const chosen = useQuery({
    queryKey: ['devices', 'detail', value],
    queryFn: () => fetchDevice(value!),
    enabled: value !== null,
    staleTime: 60_000,
  });
  const options = new Map((found.data?.items ?? []).map((d) => [d.id, d.displayName]));
  if (value) options.set(value, chosen.data?.displayName ?? 'This device');
  return (
    <Select
      label="Device"
      placeholder="Any device"
      searchable
      clearable
      w={220}
      data={[...options].map(([id, name]) => ({ value: id, label: name }))}
      value={value}
      onChange={onChange}
      onSearchChange={setSearch}
      searchValue={search}
      nothingFoundMessage="No device by that name"
    />
  );
}

export function AlertFilters({
  value,
  onChange,
}: {
  value: AlertFilterValues;
  onChange: (patch: Partial<AlertFilterValues>) => void;
}) {
  return (
    <Group gap="sm" align="flex-end" mb="md" data-testid="alert-filters">
      <Select
        label="State"
        w={240}
        allowDeselect={false}
        data={STATE_FILTERS.map((s) => ({ value: s.value, label: s.label }))}
        value={value.state}
        onChange={(v) => onChange({ state: v ?? 'open' })}
      />
      <MultiSelect
        label="Severity"
        placeholder={value.severity.length ? undefined : 'Any severity'}
        w={240}
        data={ALERT_SEVERITIES.map((s) => ({ value: s, label: s }))}
        value={value.severity}
        onChange={(v) => onChange({ severity: v })}
        clearable
      />
      <Select
        label="Kind"
        placeholder="Any kind"
        w={180}
        clearable
        data={ALERT_SOURCES.map((s) => ({ value: s, label: sourceLabel(s) }))}
        value={value.source}
        onChange={(v) => onChange({ source: v })}
      />
      <DevicePicker value={value.deviceId} onChange={(deviceId) => onChange({ deviceId })} />
    </Group>
  );
}
