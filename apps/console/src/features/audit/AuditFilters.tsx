import type { Page, UserResponse } from '@fleetdesk/api-types';
import { Autocomplete, Button, Grid, Group, Paper, Select, TextInput } from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../../api/client';
import {
  type AuditView,
  type FilterKey,
  filterProblems,
  hasFilters,
  isoToLocalInput,
  KNOWN_ACTIONS,
  KNOWN_PREFIXES,
  KNOWN_TARGET_TYPES,
  localInputToIso,
  QUICK_RANGES,
  quickRange,
} from './audit-params';

/**
 * A text filter typed into: kept locally while typing and written to the URL after a pause, so
 * every keystroke does not become a request and a history entry. Follows the URL when it
 * changes from elsewhere (back button, "only this actor", Clear filters).
 */
function useDraft(urlValue: string, commit: (value: string) => void) {
  const [draft, setDraft] = useState(urlValue);
  const [seen, setSeen] = useState(urlValue);
  if (seen !== urlValue) {
    setSeen(urlValue);
    setDraft(urlValue);
  }
  const debounced = useDebouncedCallback((value: string) => commit(value.trim()), 400);
  const change = (value: string) => {
    setDraft(value);
    debounced(value);
  };
  return [draft, change] as const;
}

/** Every user, to pick an actor by name (the API filters by user id). 200 is the API's page cap. */
function useActorOptions(selected: string) {
  const users = useQuery({
    queryKey: ['users', { page: 1, pageSize: 200 }],
    queryFn: () => get<Page<UserResponse>>('/users', { page: 1, pageSize: 200 }),
    staleTime: 60_000,
  });
  const options = (users.data?.items ?? []).map((u) => ({
    value: u.id,
    label: `${u.displayName} (${u.email})`,
  }));
  // A deleted user (or one beyond the first 200) can still be filtered on by id.
  if (selected && !options.some((o) => o.value === selected)) {
    options.unshift({ value: selected, label: selected });
  }
  return { options, loading: users.isPending };
}

export function AuditFilters({
  view,
  onChange,
  onRange,
  onClear,
}: {
  view: AuditView;
  onChange: (key: FilterKey, value: string) => void;
  /** Sets From and Until together (a quick range). */
  onRange: (since: string, until: string) => void;
  onClear: () => void;
}) {
  const f = view.filters;
  const problems = filterProblems(view);
  const actors = useActorOptions(f.actorId);
  const [action, setAction] = useDraft(f.action, (v) => onChange('action', v));
  const [targetId, setTargetId] = useDraft(f.targetId, (v) => onChange('targetId', v));
  // A date input reports a valid value after every typed segment (year 0002, 0020 …):
  // wait for the pause before querying.
  const [since, setSince] = useDraft(isoToLocalInput(f.since), (v) =>
    onChange('since', localInputToIso(v)),
  );
  const [until, setUntil] = useDraft(isoToLocalInput(f.until), (v) =>
    onChange('until', localInputToIso(v)),
  );
  const targetTypes = KNOWN_TARGET_TYPES.includes(f.targetType)
    ? KNOWN_TARGET_TYPES
    : [f.targetType, ...KNOWN_TARGET_TYPES].filter(Boolean);

  return (
    <Paper withBorder p="sm" mb="md" component="section" aria-label="Audit log filters">
      {/* Four across from md up: six would squeeze the date inputs below their text at 1280 px. */}
      <Grid gap="sm" rowGap="xs">
        <Grid.Col span={{ base: 12, xs: 6, md: 3 }}>
          <Select
            label="Actor"
            placeholder={actors.loading ? 'Loading users…' : 'Anyone'}
            searchable
            clearable
            data={actors.options}
            value={f.actorId || null}
            onChange={(v) => onChange('actorId', v ?? '')}
            error={problems.actorId}
            nothingFoundMessage="No user matches"
            comboboxProps={{ withinPortal: true }}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, xs: 6, md: 3 }}>
          <Autocomplete
            label="Action"
            placeholder="e.g. users.* or devices.revoke"
            data={[
              { group: 'All actions of a kind', items: KNOWN_PREFIXES },
              { group: 'Exact action', items: KNOWN_ACTIONS },
            ]}
            limit={40}
            value={action}
            onChange={setAction}
            onOptionSubmit={(v) => onChange('action', v)}
            error={problems.action}
            autoComplete="off"
            spellCheck={false}
            comboboxProps={{ withinPortal: true }}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, xs: 6, md: 3 }}>
          <Select
            label="Target type"
            placeholder="Any"
            clearable
            data={targetTypes}
            value={f.targetType || null}
            onChange={(v) => onChange('targetType', v ?? '')}
            error={problems.targetType}
            comboboxProps={{ withinPortal: true }}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, xs: 6, md: 3 }}>
          <TextInput
            label="Target ID"
            placeholder="Exact id"
            value={targetId}
            onChange={(e) => setTargetId(e.currentTarget.value)}
            error={problems.targetId}
            autoComplete="off"
            spellCheck={false}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, xs: 6, md: 3 }}>
          <TextInput
            label="From"
            type="datetime-local"
            value={since}
            onChange={(e) => setSince(e.currentTarget.value)}
            error={problems.since}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, xs: 6, md: 3 }}>
          <TextInput
            label="Until"
            type="datetime-local"
            value={until}
            onChange={(e) => setUntil(e.currentTarget.value)}
            error={problems.until}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Group justify="space-between" align="flex-end" h="100%" gap="xs">
            <Group gap={6} role="group" aria-label="Quick time ranges">
              {QUICK_RANGES.map((r) => (
                <Button
                  key={r.value}
                  size="compact-sm"
                  variant="light"
                  onClick={() => {
                    const { since, until } = quickRange(r.value);
                    onRange(since, until);
                  }}
                >
                  {r.label}
                </Button>
              ))}
            </Group>
            {hasFilters(view) && (
              <Button variant="subtle" onClick={onClear}>
                Clear filters
              </Button>
            )}
          </Group>
        </Grid.Col>
      </Grid>
    </Paper>
  );
}
