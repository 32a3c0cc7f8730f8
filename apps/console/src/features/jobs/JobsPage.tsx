import { actionLabel } from '../software/action-label';
import type { JobResponse, JobStatus } from '@fleetdesk/api-types';
import {
  Anchor,
  Button,
  Group,
  Loader,
  SegmentedControl,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useOnReconnect, useSocketEvent } from '../../api/socket';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { formatDuration } from '../../lib/format';
import { useScripts } from '../scripts/api';
import { languageLabel } from '../scripts/languages';
import { jobKeys, useJobs, useThrottledInvalidate } from './api';
import { JobProgress, JobStatusBadge } from './JobBits';
import { Paging } from '../../components/Paging';
import { RunScriptModal } from './RunScriptModal';
import { failedCount, JOB_STATUS, JOB_STATUSES, startedBy } from './states';

const PAGE_SIZE = 50;
/** job.changed only marks creation and endings; running jobs' counts are polled this often. */
const RUNNING_POLL_MS = 4000;

function ScriptCell({ job, names }: { job: JobResponse; names: Map<string, string> }) {
  if (job.action)
    return (
      <Text size="sm" c="dimmed">
        {actionLabel(job.action)}
      </Text>
    );
  if (!job.script)
    return (
      <Text size="sm" c="dimmed">
        Inline {job.language ? languageLabel(job.language) : ''} command
      </Text>
    );
  return (
    <Anchor component={Link} to={`/scripts/${job.script.id}`} size="sm" lineClamp={2}>
      {names.get(job.script.id) ?? 'Script'} · v{job.script.version}
    </Anchor>
  );
}

function JobRow({ job, names }: { job: JobResponse; names: Map<string, string> }) {
  const failed = failedCount(job.counts);
  const duration = job.finishedAt
    ? new Date(job.finishedAt).getTime() - new Date(job.createdAt).getTime()
    : null;
  return (
    <Table.Tr data-testid="job-row" data-job-id={job.id} data-status={job.status}>
      <Table.Td>
        <Anchor
          component={Link}
          to={`/jobs/${job.id}`}
          fw={500}
          lineClamp={2}
          title={job.name}
          style={{ overflowWrap: 'anywhere' }}
        >
          {job.name}
        </Anchor>
        {job.rerunOf && (
          <Text size="xs" c="dimmed">
            Re-run of an earlier job
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <JobStatusBadge job={job} />
          {failed > 0 && (
            <Text size="xs" c="red" fw={500} style={{ whiteSpace: 'nowrap' }}>
              {failed} failed
            </Text>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
        <JobProgress counts={job.counts} size="sm" />
      </Table.Td>
      <Table.Td>
        <ScriptCell job={job} names={names} />
      </Table.Td>
      <Table.Td>
        <Text size="sm" lineClamp={1} title={startedBy(job)}>
          {startedBy(job)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          <RelativeTime iso={job.createdAt} />
        </Text>
        <Text size="xs" c="dimmed">
          {duration === null ? 'still running' : `took ${formatDuration(duration)}`}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}

/** Every job, newest first, with live progress; technicians start new ones here. */
export function JobsPage() {
  const canRun = useCan('technician');
  const [params, setParams] = useSearchParams();
  const status = (params.get('status') as JobStatus | null) ?? undefined;
  const page = Math.max(1, Number(params.get('page')) || 1);
  const [runOpen, setRunOpen] = useState(false);

  const update = (changes: Record<string, string | null>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null || v === '') next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );

  const query = useJobs({ status, page, pageSize: PAGE_SIZE }, RUNNING_POLL_MS);

  // Names for the script column: one request for the whole library (archived included).
  const scripts = useScripts({ pageSize: 200, archived: true });
  const names = new Map((scripts.data?.items ?? []).map((s) => [s.id, s.name]));

  const invalidate = useThrottledInvalidate(1000);
  useSocketEvent('job.changed', () => invalidate(jobKeys.lists));
  useOnReconnect(() => invalidate(jobKeys.lists));

  const items = query.data?.items ?? [];
  return (
    <>
      <PageHeader
        title="Jobs"
        actions={canRun && <Button onClick={() => setRunOpen(true)}>Run script</Button>}
      />
      <Group mb="md" justify="space-between">
        <SegmentedControl
          aria-label="Status filter"
          value={status ?? 'all'}
          onChange={(v) => update({ status: v === 'all' ? null : v, page: null })}
          data={[
            { value: 'all', label: 'All' },
            ...JOB_STATUSES.map((s) => ({ value: s, label: JOB_STATUS[s].label })),
          ]}
        />
        {query.isFetching && !query.isPending && (
          <Tooltip label="Refreshing">
            <Loader size="xs" aria-label="Refreshing" />
          </Tooltip>
        )}
      </Group>

      {query.isError && <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />}
      {query.isPending && <Loader aria-label="Loading jobs" />}
      {query.data && items.length === 0 && (
        <EmptyState
          title={status ? `No ${JOB_STATUS[status].label.toLowerCase()} jobs` : 'No jobs yet'}
          action={
            status ? (
              <Button variant="light" onClick={() => update({ status: null, page: null })}>
                Show all jobs
              </Button>
            ) : canRun ? (
              <Button onClick={() => setRunOpen(true)}>Run script</Button>
            ) : (
              <Anchor component={Link} to="/scripts">
                Browse the script library
              </Anchor>
            )
          }
        >
          {status
            ? 'Try another status.'
            : 'A job runs a script on one or many devices. Run one from here, the script library or the devices list.'}
        </EmptyState>
      )}
      {items.length > 0 && (
        <>
          <Table.ScrollContainer minWidth={960}>
            <Table highlightOnHover verticalSpacing="xs" layout="fixed" data-testid="jobs-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Job</Table.Th>
                  <Table.Th w={160}>Status</Table.Th>
                  <Table.Th w={180}>Progress</Table.Th>
                  <Table.Th w={180}>Script</Table.Th>
                  <Table.Th w={160}>Started by</Table.Th>
                  <Table.Th w={120}>Started</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((j) => (
                  <JobRow key={j.id} job={j} names={names} />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={PAGE_SIZE}
            total={query.data?.total ?? 0}
            onPage={(p) => update({ page: String(p) })}
            noun="jobs"
          />
        </>
      )}
      {canRun && <RunScriptModal opened={runOpen} onClose={() => setRunOpen(false)} />}
    </>
  );
}
