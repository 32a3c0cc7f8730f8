import { Button, Group, Select, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import type { DeviceStatus } from '@fleetdesk/api-types';
import { useState } from 'react';
import { fetchGroups, fetchTags, groupsKey, tagsKey } from './api';
import { OS_FILTER_OPTIONS } from './health';
import { type DeviceListParams, hasFilters } from './listParams';

const STATUS_OPTIONS: { value: DeviceStatus; label: string }[] = [
  { value: 'online', label: 'Online' },
  { value: 'offline', label: 'Offline' },
  { value: 'revoked', label: 'Revoked' },
];

/** Search and filters of the device list; every change lands in the URL. */
export function DeviceFilters({
  params,
  onChange,
  onClear,
}: {
  params: DeviceListParams;
  onChange: (patch: Partial<DeviceListParams>, options?: { replace?: boolean }) => void;
  onClear: () => void;
}) {
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups, staleTime: 60_000 });
  const tags = useQuery({ queryKey: tagsKey, queryFn: fetchTags, staleTime: 60_000 });

  // The box keeps what is typed; the URL (and the request) follows once typing pauses.
  const [text, setText] = useState(params.q);
  const [shownQ, setShownQ] = useState(params.q);
  if (params.q !== shownQ) {
    // Back/forward or "Clear filters" changed the URL under the box: show it.
    setShownQ(params.q);
    setText(params.q);
  }
  const pushSearch = useDebouncedCallback((value: string) => {
    setShownQ(value);
    // Starting or clearing a search is a step Back should undo; refining one is not.
    onChange({ q: value }, { replace: shownQ.trim() !== '' && value.trim() !== '' });
  }, 300);

  const groupOptions = (groups.data ?? []).map((g) => ({ value: g.id, label: g.name }));
  const tagOptions = (tags.data ?? []).map((t) => t.name);
  // A filter from the URL that is not (yet) in the list must still show as selected.
  if (params.tag && !tagOptions.includes(params.tag)) tagOptions.push(params.tag);
  if (params.groupId && !groupOptions.some((g) => g.value === params.groupId)) {
    groupOptions.push({
      value: params.groupId,
      label: groups.isPending ? 'Loading…' : 'Unknown group',
    });
  }
  const osOptions = [...OS_FILTER_OPTIONS];
  if (params.os && !osOptions.some((o) => o.value === params.os)) {
    osOptions.push({ value: params.os, label: params.os });
  }

  return (
    <Group gap="sm" align="flex-end" wrap="wrap" mb="md">
      <TextInput
        label="Search"
        placeholder="Hostname, name or IP address"
        value={text}
        onChange={(e) => {
          setText(e.currentTarget.value);
          pushSearch(e.currentTarget.value);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter') pushSearch.flush();
        }}
        maxLength={100}
        w={240}
        type="search"
      />
      <Select
        label="Status"
        placeholder="Any status"
        data={STATUS_OPTIONS}
        value={params.status}
        onChange={(v) => onChange({ status: v })}
        clearable
        w={130}
      />
      <Select
        label="OS"
        placeholder="Any OS"
        data={osOptions}
        value={params.os}
        onChange={(v) => onChange({ os: v })}
        clearable
        w={130}
      />
      <Select
        label="Tag"
        placeholder={tags.isError ? 'Tags unavailable' : 'Any tag'}
        data={tagOptions}
        value={params.tag}
        onChange={(v) => onChange({ tag: v })}
        searchable
        clearable
        nothingFoundMessage="No such tag"
        w={160}
      />
      <Select
        label="Group"
        placeholder={groups.isError ? 'Groups unavailable' : 'Any group'}
        data={groupOptions}
        value={params.groupId}
        onChange={(v) => onChange({ groupId: v })}
        searchable
        clearable
        nothingFoundMessage="No such group"
        w={160}
      />
      {hasFilters(params) && (
        <Button variant="subtle" onClick={onClear}>
          Clear filters
        </Button>
      )}
    </Group>
  );
}
