import { MultiSelect } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { fetchGroups, fetchTags, groupsKey, tagsKey } from './api';

interface FacetSelectProps {
  label: string;
  placeholder?: string;
  value: string[];
  onChange: (next: string[]) => void;
  error?: string;
  maxValues?: number;
}

/** The fleet's tags to pick from, each with how many devices carry it. */
export function TagsSelect({ error, ...props }: FacetSelectProps) {
  const tags = useQuery({ queryKey: tagsKey, queryFn: fetchTags });
  return (
    <MultiSelect
      {...props}
      data={(tags.data ?? []).map((t) => ({
        value: t.name,
        label: `${t.name} (${t.deviceCount})`,
      }))}
      searchable
      nothingFoundMessage={tags.isPending ? 'Loading…' : 'No tags'}
      error={error ?? (tags.isError ? 'Could not load tags' : undefined)}
    />
  );
}

/** The fleet's groups to pick from (by id), each with its number of devices. */
export function GroupsSelect({ error, ...props }: FacetSelectProps) {
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups });
  return (
    <MultiSelect
      {...props}
      data={(groups.data ?? []).map((g) => ({
        value: g.id,
        label: `${g.name} (${g.deviceCount})`,
      }))}
      searchable
      nothingFoundMessage={groups.isPending ? 'Loading…' : 'No groups'}
      error={error ?? (groups.isError ? 'Could not load groups' : undefined)}
    />
  );
}

/** A group's name by id, for lists that store ids ("gone" once the group is deleted). */
export function useGroupName(): (id: string) => string {
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups });
  return (id) => groups.data?.find((g) => g.id === id)?.name ?? 'gone';
}
