import { Anchor, Button, Center, Group, Loader, Stack, Text } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import { useSocketEvent } from '../../api/socket';
import { ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { jobKeys, useJob, useJobWatch, useThrottledInvalidate } from '../jobs/api';
import { JobStatusBadge } from '../jobs/JobBits';
import { logKeys, useLogSearch } from './api';
import { FleetSearchForm } from './FleetSearchForm';
import type { MatchQuery } from './match-finder';
import { SearchResults } from './SearchResults';

/** A running or finished fleet search: results stream in as devices answer. */
function SearchJob({ jobId }: { jobId: string }) {
  const job = useJob(jobId);
  const results = useLogSearch(jobId);
  const invalidate = useThrottledInvalidate(1000);
  // Each device's result is stored before its run ends, so a run event means new results.
  useJobWatch(jobId);
  useSocketEvent('run.status', (e) => {
    if (e.jobId !== jobId) return;
    invalidate(logKeys.search(jobId));
    invalidate(jobKeys.detail(jobId));
  });
  useSocketEvent('job.changed', (e) => {
    if (e.jobId === jobId) invalidate(jobKeys.detail(jobId));
  });

  if (job.isError) return <ErrorAlert error={job.error} onRetry={() => void job.refetch()} />;
  if (results.isError) {
    return <ErrorAlert error={results.error} onRetry={() => void results.refetch()} />;
  }
  if (!job.data || !results.data) {
    return (
      <Center py="xl">
        <Loader aria-label="Loading search results" />
      </Center>
    );
  }
  const a = job.data.action;
  const query: MatchQuery = {
    mode: a?.patternMode ?? 'substring',
    pattern: a?.pattern ?? '',
    ignoreCase: a?.ignoreCase ?? false,
  };
  return (
    <Stack gap="md">
      <PageHeader
        title={`Search for ${JSON.stringify(query.pattern)}`}
        actions={
          <Button component={Link} to="/logs/search" variant="light">
            New search
          </Button>
        }
      />
      <Group gap="sm">
        <JobStatusBadge job={job.data} />
        <Text size="sm" c="dimmed">
          {query.mode === 'regex' ? 'regular expression' : 'text'}
          {query.ignoreCase ? ', ignoring case' : ''} · started{' '}
          <RelativeTime iso={job.data.createdAt} /> ·{' '}
          <Anchor component={Link} to={`/jobs/${jobId}`} size="sm">
            job page
          </Anchor>
        </Text>
      </Group>
      <SearchResults result={results.data} query={query} />
    </Stack>
  );
}

export function FleetSearchPage() {
  const { jobId } = useParams();
  if (jobId) return <SearchJob key={jobId} jobId={jobId} />;
  return (
    <Stack gap="md">
      <PageHeader
        title="Fleet search"
        actions={
          <Button component={Link} to="/logs" variant="light">
            Collected logs
          </Button>
        }
      />
      <Text size="sm" c="dimmed">
        Searches the logs where they are, on each device, and brings back only the matching lines
        with their context. To search logs already collected, use the search on the Logs page.
      </Text>
      <FleetSearchForm />
    </Stack>
  );
}
