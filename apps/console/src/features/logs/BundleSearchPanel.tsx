import { LOG_SEARCH_RULES, type SearchBundlesResponse } from '@fleetdesk/api-types';
import { Alert, Button, Fieldset, Group, Paper, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { EmptyState } from '../../components/common';
import { type BundleFilter, useBundles, useSearchBundles } from './api';
import type { MatchQuery } from './match-finder';
import { MatchLines } from './MatchLines';
import {
  initialQuery,
  QueryFields,
  queryProblems,
  queryRequest,
  type QueryDraft,
} from './QueryFields';

/**
 * Searches stored bundles on the server (POST /api/log-searches/bundles): the selected ones,
 * else those this page lists (a job's or a device's, or the newest).
 */
export function BundleSearchPanel({
  bundleIds,
  filter,
  shown,
}: {
  bundleIds: string[];
  filter: BundleFilter;
  shown: number;
}) {
  const [draft, setDraft] = useState<QueryDraft>(initialQuery);
  const [attempted, setAttempted] = useState(false);
  const [asked, setAsked] = useState<MatchQuery | null>(null);
  const search = useSearchBundles();
  const listed = useBundles(filter);
  const errors = attempted ? queryProblems(draft) : {};
  const scope = bundleIds.length
    ? `the ${bundleIds.length} selected bundle${bundleIds.length === 1 ? '' : 's'}`
    : filter.jobId
      ? "this collection's bundles"
      : filter.deviceId
        ? "this device's bundles"
        : `the newest ${Math.min(shown, LOG_SEARCH_RULES.bundles)} bundles`;

  const submit = () => {
    setAttempted(true);
    if (Object.keys(queryProblems(draft)).length > 0) return;
    const which = bundleIds.length
      ? { bundleIds }
      : filter.jobId
        ? { jobId: filter.jobId }
        : filter.deviceId
          ? { deviceId: filter.deviceId }
          : {
              bundleIds: (listed.data ?? [])
                .filter((b) => b.status === 'complete')
                .slice(0, LOG_SEARCH_RULES.bundles)
                .map((b) => b.id),
            };
    setAsked({ mode: draft.mode, pattern: draft.pattern, ignoreCase: draft.ignoreCase });
    search.mutate({ ...which, ...queryRequest(draft) });
  };

  return (
    <Fieldset legend={`Search ${scope}`} data-testid="bundle-search">
      <Stack gap="sm">
        <QueryFields value={draft} onChange={setDraft} errors={errors} onSubmit={submit} />
        <Group>
          <Button onClick={submit} loading={search.isPending} variant="light">
            Search bundles
          </Button>
        </Group>
        {search.isError && (
          <Alert color="red" role="alert">
            {errorMessage(search.error)}
          </Alert>
        )}
        {search.data && asked && (
          <BundleResults result={search.data} query={asked} names={listed.data ?? []} />
        )}
      </Stack>
    </Fieldset>
  );
}

function BundleResults({
  result,
  query,
  names,
}: {
  result: SearchBundlesResponse;
  query: MatchQuery;
  names: { id: string; deviceName: string | null }[];
}) {
  const hits = result.bundles.filter((b) => b.matchCount > 0);
  if (hits.length === 0) {
    return (
      <EmptyState title="No match">
        None of the {result.bundles.length} bundle{result.bundles.length === 1 ? '' : 's'} searched
        has a line that matches.
      </EmptyState>
    );
  }
  return (
    <Stack gap="sm" data-testid="bundle-search-results">
      <Text size="sm">
        {result.matchCount.toLocaleString()} matching line{result.matchCount === 1 ? '' : 's'} in{' '}
        {hits.length} of {result.bundles.length} bundles
        {result.truncated ? ' (the first ones shown)' : ''}.
      </Text>
      {hits.map((b) => (
        <Paper key={b.bundleId} withBorder p="sm" data-testid="bundle-search-result">
          <Text fw={600} mb="xs">
            {names.find((n) => n.id === b.bundleId)?.deviceName ?? 'Device'} · {b.matchCount} match
            {b.matchCount === 1 ? '' : 'es'}
          </Text>
          <Stack gap="sm">
            {b.files
              .filter((f) => f.matchCount > 0)
              .map((f) => (
                <MatchLines key={f.index} file={f} query={query} />
              ))}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}
