import { MultiSelect } from '@mantine/core';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { fetchGroups, fetchTags, groupsKey, tagsKey } from './api';

interface FacetSelectProps {
  label: string;
  placeholder?: string;
  value: string[];
  onChange: (next: string[]) => void;
  error?: string;
  maxValues?: number;
}

/** A facet of the fleet to pick from, each option with how many devices it holds. */
function FacetSelect<F extends { name: string; deviceCount: number }>({
  facet,
  noun,
  optionValue,
  error,
  ...props
}: FacetSelectProps & {
  facet: UseQueryResult<F[]>;
  noun: 'tags' | 'groups';
  optionValue: (f: F) => string;
}) {
  return (
    <MultiSelect
      {...props}
      data={(facet.data ?? []).map((f) => ({
        value: optionValue(f),
        label: `${f.name} (${f.deviceCount})`,
      }))}
      searchable
      nothingFoundMessage={facet.isPending ? 'Loading…' : `No ${noun}`}
      error={error ?? (facet.isError ? `Could not load ${noun}` : undefined)}
    />
  );
}

/** The fleet's tags, by name. */
export function TagsSelect(props: FacetSelectProps) {
  const tags = useQuery({ queryKey: tagsKey, queryFn: fetchTags });
  return <FacetSelect {...props} facet={tags} noun="tags" optionValue={(t) => t.name} />;
}

/** The fleet's groups, by id. */
export function GroupsSelect(props: FacetSelectProps) {
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups });
  return <FacetSelect {...props} facet={groups} noun="groups" optionValue={(g) => g.id} />;
}

/** A group's name by id, for lists that store ids ("gone" once the group is deleted). */
export function useGroupName(): (id: string) => string {
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups });
  return (id) => groups.data?.find((g) => g.id === id)?.name ?? 'gone';
}
