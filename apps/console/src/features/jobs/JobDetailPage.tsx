import { actionLabel } from '../software/action-label';
import type {
  JobResponse,
  JobTarget,
  Page,
  RunDetailResponse,
  RunResponse,
  RunState,
} from '@fleetdesk/api-types';
import {
  Alert,
  Anchor,
  Button,
  Card,
  Code,
  Grid,
  Group,
  Loader,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { useOnReconnect, useSocket, useSocketEvent } from '../../api/socket';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { formatDateTime, formatDuration } from '../../lib/format';
import { useScript } from '../scripts/api';
import { languageLabel } from '../scripts/languages';
import { jobKeys, useJob, useJobWatch, useRuns, useThrottledInvalidate } from './api';
import { CountsLegend, JobProgress, JobStatusBadge } from './JobBits';
import { CancelJobButton, RerunButtons } from './JobActions';
import { CombinedOutput, SideBySideOutput } from './MultiOutput';
import { OutputPanel } from './OutputPanel';
import { RunsTable } from './RunsTable';
import { RUN_STATE, RUN_STATES, startedBy } from './states';

type OutputView = 'one' | 'side' | 'combined';

const RUNS_PAGE_SIZE = 50;

/** A clock for durations of runs still going; ticks only while something is running. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function describeTarget(t: JobTarget): string {
  if (t.all) return 'All devices';
  const parts: string[] = [];
  if (t.deviceIds?.length)
    parts.push(`${t.deviceIds.length} selected device${t.deviceIds.length === 1 ? '' : 's'}`);
  if (t.tags?.length) parts.push(`tag${t.tags.length === 1 ? '' : 's'} ${t.tags.join(', ')}`);
  if (t.groupIds?.length)
    parts.push(`${t.groupIds.length} group${t.groupIds.length === 1 ? '' : 's'}`);
  if (t.os?.length) parts.push(`OS ${t.os.join(', ')}`);
  return parts.join(' + ') || '—';
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="sm" component="div" style={{ overflowWrap: 'anywhere' }}>
        {children}
      </Text>
    </div>
  );
}

function JobFacts({ job }: { job: JobResponse }) {
  const script = useScript(job.script?.id);
  const params = Object.entries(job.params);
  return (
    <Card withBorder padding="sm">
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm" verticalSpacing="xs">
        {job.action ? (
          <Field label="Action">{actionLabel(job.action)}</Field>
        ) : (
          <Field label="Script">
            {job.script ? (
              <Anchor component={Link} to={`/scripts/${job.script.id}`}>
                {script.data?.name ?? 'Script'} · v{job.script.version}
              </Anchor>
            ) : (
              'Inline command'
            )}{' '}
            {job.language && (
              <Text span size="xs" c="dimmed">
                ({languageLabel(job.language)})
              </Text>
            )}
          </Field>
        )}
        <Field label="Started by">{startedBy(job)}</Field>
        <Field label="Started">{formatDateTime(job.createdAt)}</Field>
        <Field label="Finished">{job.finishedAt ? formatDateTime(job.finishedAt) : '—'}</Field>
        <Field label="Target">{describeTarget(job.target)}</Field>
        <Field label="Timeout">{formatDuration(job.timeoutSeconds * 1000)} per run</Field>
        <Field label="Concurrency">
          {job.maxConcurrency ? `At most ${job.maxConcurrency} at once` : 'No limit'}
        </Field>
        <Field label="Failure threshold">
          {job.failureThresholdPercent === null
            ? 'Never stops'
            : `Stops above ${job.failureThresholdPercent} % failed`}
        </Field>
        <Field label="Offline devices wait">
          {formatDuration(job.offlineExpirySeconds * 1000)}
        </Field>
        {job.rerunOf && (
          <Field label="Re-run of">
            <Anchor component={Link} to={`/jobs/${job.rerunOf}`}>
              the original job
            </Anchor>
          </Field>
        )}
        <Field label="Script SHA-256">
          <Tooltip label={job.bodySha256}>
            <Code>{job.bodySha256.slice(0, 16)}…</Code>
          </Tooltip>
        </Field>
      </SimpleGrid>
      {params.length > 0 && (
        <Group gap="xs" mt="sm">
          <Text size="xs" c="dimmed">
            Parameters:
          </Text>
          {params.map(([k, v]) => (
            <Code key={k}>
              {k}={typeof v === 'string' ? v : JSON.stringify(v)}
            </Code>
          ))}
        </Group>
      )}
    </Card>
  );
}

function JobView({ job }: { job: JobResponse }) {
  const canAct = useCan('technician');
  const client = useQueryClient();
  const { connected } = useSocket();
  const [params, setParams] = useSearchParams();
  const stateFilter = (params.get('state') as RunState | null) ?? undefined;
  const runsPage = Math.max(1, Number(params.get('runsPage')) || 1);
  const runs = useRuns(job.id, { status: stateFilter, page: runsPage, pageSize: RUNS_PAGE_SIZE });
  const items = runs.data?.items ?? [];
  const selectedId = params.get('run') ?? items[0]?.id ?? null;
  const view = (params.get('view') as OutputView | null) ?? 'one';
  const watchEpoch = useJobWatch(job.id);
  const now = useNow(job.counts.running > 0 || items.some((r) => r.status === 'running'));

  const invalidate = useThrottledInvalidate(1000);
  useSocketEvent('run.status', (e) => {
    if (e.jobId !== job.id) return;
    // The state moves at once where the run is on screen; the rest (counts, exit codes, the
    // pages a state filter changes) follows with a throttled refetch.
    client.setQueriesData<Page<RunResponse>>({ queryKey: jobKeys.runs(job.id) }, (old) =>
      old && old.items.some((r) => r.id === e.runId)
        ? {
            ...old,
            items: old.items.map((r) => (r.id === e.runId ? { ...r, status: e.status } : r)),
          }
        : old,
    );
    client.setQueryData<RunDetailResponse>(jobKeys.run(e.runId), (old) =>
      old ? { ...old, status: e.status } : old,
    );
    invalidate(jobKeys.detail(job.id));
    invalidate(jobKeys.runs(job.id));
    if (e.runId === selectedId) invalidate(jobKeys.run(e.runId));
  });
  useSocketEvent('job.changed', (e) => {
    if (e.jobId === job.id) invalidate(jobKeys.detail(job.id));
  });
  useOnReconnect(() => {
    void client.invalidateQueries({ queryKey: jobKeys.detail(job.id) });
    void client.invalidateQueries({ queryKey: jobKeys.runs(job.id) });
    if (selectedId) void client.invalidateQueries({ queryKey: jobKeys.run(selectedId) });
  });

  const setParam = (changes: Record<string, string | null>) =>
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev);
        for (const [k, v] of Object.entries(changes)) {
          if (v === null) next.delete(k);
          else next.set(k, v);
        }
        return next;
      },
      { replace: true },
    );
  const linkTo = (runId: string) => {
    const next = new URLSearchParams(params);
    next.set('run', runId);
    return `?${next.toString()}`;
  };

  const stateOptions = [
    { value: 'all', label: `All states (${job.counts.total})` },
    ...RUN_STATES.filter((s) => job.counts[s] > 0 || s === stateFilter).map((s) => ({
      value: s,
      label: `${RUN_STATE[s].label} (${job.counts[s]})`,
    })),
  ];

  return (
    <>
      <PageHeader
        title={job.name}
        actions={
          <>
            {canAct && job.action?.kind === 'collect_logs' && (
              <Button component={Link} to={`/logs?jobId=${job.id}`} variant="light">
                Collected logs
              </Button>
            )}
            {canAct && job.action?.kind === 'search_logs' && (
              <Button component={Link} to={`/logs/search/${job.id}`} variant="light">
                Search results
              </Button>
            )}
            {canAct && (
              <>
                <RerunButtons job={job} />
                {job.status === 'running' && <CancelJobButton job={job} />}
              </>
            )}
          </>
        }
      />
      <Stack gap="md">
        <Card withBorder padding="sm">
          <Stack gap="xs">
            <Group justify="space-between">
              <Group gap="sm">
                <JobStatusBadge job={job} />
                <Text size="sm" c="dimmed">
                  started <RelativeTime iso={job.createdAt} /> by {startedBy(job)}
                </Text>
              </Group>
              {!connected && (
                <Text size="xs" c="orange">
                  Live updates paused: reconnecting…
                </Text>
              )}
            </Group>
            <JobProgress counts={job.counts} />
            <CountsLegend counts={job.counts} />
            {job.stopReason && (
              <Alert
                color={job.status === 'stopped' ? 'orange' : 'gray'}
                title={job.status === 'stopped' ? 'Stopped early' : 'Cancelled'}
                data-testid="stop-reason"
              >
                {job.stopReason}
              </Alert>
            )}
          </Stack>
        </Card>
        <JobFacts job={job} />

        <Grid gap="md">
          <Grid.Col span={{ base: 12, lg: 5 }}>
            <Card withBorder padding="sm">
              <Group justify="space-between" mb="xs">
                <Title order={3} size="h5">
                  Devices
                </Title>
                <Select
                  aria-label="Run state"
                  size="xs"
                  w={210}
                  data={stateOptions}
                  value={stateFilter ?? 'all'}
                  allowDeselect={false}
                  onChange={(v) =>
                    setParam({ state: v === 'all' ? null : v, runsPage: null, run: null })
                  }
                />
              </Group>
              {runs.isError && (
                <ErrorAlert error={runs.error} onRetry={() => void runs.refetch()} />
              )}
              {runs.isPending && <Loader size="sm" aria-label="Loading runs" />}
              {runs.data && items.length === 0 && (
                <EmptyState title="No run in this state">
                  Choose another state, or “All states”.
                </EmptyState>
              )}
              {items.length > 0 && (
                <div style={{ maxHeight: 620, overflowY: 'auto' }}>
                  <RunsTable runs={items} selectedId={selectedId} now={now} linkTo={linkTo} />
                </div>
              )}
              {runs.data && (
                <Paging
                  page={runsPage}
                  pageSize={RUNS_PAGE_SIZE}
                  total={runs.data.total}
                  onPage={(p) => setParam({ runsPage: String(p), run: null })}
                  noun="runs"
                />
              )}
            </Card>
          </Grid.Col>
          <Grid.Col span={{ base: 12, lg: 7 }}>
            <Card withBorder padding="sm" style={{ minWidth: 0 }}>
              <SegmentedControl
                aria-label="Output view"
                size="xs"
                mb="sm"
                fullWidth
                data={[
                  { value: 'one', label: 'One device' },
                  { value: 'side', label: 'Side by side' },
                  { value: 'combined', label: 'Combined' },
                ]}
                value={view}
                onChange={(v) => setParam({ view: v === 'one' ? null : v })}
              />
              {view === 'side' && items.length > 0 && (
                <SideBySideOutput runs={items} watchEpoch={watchEpoch} connected={connected} />
              )}
              {view === 'combined' && items.length > 0 && <CombinedOutput job={job} runs={items} />}
              {view === 'one' &&
                (selectedId ? (
                  <OutputPanel
                    key={selectedId}
                    runId={selectedId}
                    fallback={items.find((r) => r.id === selectedId)}
                    job={job}
                    watchEpoch={watchEpoch}
                    connected={connected}
                    now={now}
                  />
                ) : (
                  <EmptyState title="No run selected">
                    Choose a device on the left to see its output.
                  </EmptyState>
                ))}
            </Card>
          </Grid.Col>
        </Grid>
      </Stack>
    </>
  );
}

/** /jobs/:id: a job's progress, its runs per device and each run's live output. */
export function JobDetailPage() {
  const { id = '' } = useParams();
  const job = useJob(id);
  if (job.isPending) return <Loader aria-label="Loading job" />;
  if (job.isError)
    return (
      <Stack>
        <ErrorAlert error={job.error} onRetry={() => void job.refetch()} />
        <Anchor component={Link} to="/jobs">
          Back to all jobs
        </Anchor>
      </Stack>
    );
  return <JobView job={job.data} />;
}
