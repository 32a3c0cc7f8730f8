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
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { post } from '../../api/client';
import { useOnReconnect, useSocket, useSocketEvent } from '../../api/socket';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { formatBytes, formatDateTime, formatDuration } from '../../lib/format';
import { notifyError, notifySuccess } from '../../lib/notify';
import { useScript } from '../scripts/api';
import { languageLabel } from '../scripts/languages';
import { jobKeys, useJob, useRunInfo, useRuns, useThrottledInvalidate } from './api';
import { CountsLegend, JobProgress, JobStatusBadge, RunStateBadge } from './JobBits';
import { ConfirmModal } from '../../components/ConfirmModal';
import { Paging } from '../../components/Paging';
import { RunOutput } from './RunOutput';
import { failedCount, isOpenRun, RUN_STATE, RUN_STATES, runDurationMs, startedBy } from './states';

const RUNS_PAGE_SIZE = 50;

/**
 * Joins the job's socket room (and again after every reconnect, since rooms do not survive
 * one); returns how many joins were acknowledged, so output views reload after each.
 */
function useJobWatch(jobId: string): number {
  const { socket } = useSocket();
  const [epoch, setEpoch] = useState(0);
  useEffect(() => {
    if (!socket) return;
    let active = true;
    const watch = () =>
      socket.emit('job.watch', jobId, (ok) => {
        if (active && ok) setEpoch((e) => e + 1);
      });
    if (socket.connected) watch();
    socket.on('connect', watch);
    return () => {
      active = false;
      socket.off('connect', watch);
      socket.emit('job.unwatch', jobId);
    };
  }, [socket, jobId]);
  return epoch;
}

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
        <Field label="Script">
          {job.script ? (
            <Anchor component={Link} to={`/scripts/${job.script.id}`}>
              {script.data?.name ?? 'Script'} · v{job.script.version}
            </Anchor>
          ) : (
            'Inline command'
          )}{' '}
          <Text span size="xs" c="dimmed">
            ({languageLabel(job.language)})
          </Text>
        </Field>
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

function CancelJobButton({ job }: { job: JobResponse }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const cancel = useMutation({
    mutationFn: () => post<JobResponse>(`/jobs/${job.id}/cancel`),
    onSuccess: (updated) => {
      client.setQueryData(jobKeys.detail(job.id), updated);
      void client.invalidateQueries({ queryKey: jobKeys.runs(job.id) });
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      setOpen(false);
      notifySuccess('Job cancelled: pending runs will not start, running ones are being stopped');
    },
    onError: (e) => notifyError(e, 'Could not cancel the job'),
  });
  const pending = job.counts.pending;
  const inFlight = job.counts.dispatched + job.counts.running;
  return (
    <>
      <Button color="red" variant="light" onClick={() => setOpen(true)}>
        Cancel job
      </Button>
      <ConfirmModal
        opened={open}
        onClose={() => setOpen(false)}
        title="Cancel this job?"
        confirmLabel="Yes, cancel job"
        cancelLabel="Keep running"
        loading={cancel.isPending}
        error={cancel.error}
        onConfirm={() => cancel.mutate()}
      >
        <Text size="sm">
          {pending} pending run{pending === 1 ? '' : 's'} will not start, and {inFlight} run
          {inFlight === 1 ? '' : 's'} already sent to devices will be told to stop. Finished runs
          keep their results.
        </Text>
      </ConfirmModal>
    </>
  );
}

function RerunButton({ job }: { job: JobResponse }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const failed = failedCount(job.counts);
  const rerun = useMutation({
    mutationFn: () => post<JobResponse>(`/jobs/${job.id}/rerun`, { scope: 'failed' }),
    onSuccess: (created) => {
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      notifySuccess(
        `Re-running on ${created.counts.total} device${created.counts.total === 1 ? '' : 's'}`,
      );
      void navigate(`/jobs/${created.id}`);
    },
    onError: (e) => notifyError(e, 'Could not re-run'),
  });
  return (
    <Tooltip
      label={
        failed
          ? `Starts a new job on the ${failed} device${failed === 1 ? '' : 's'} whose run failed, timed out, was lost or expired`
          : 'No run failed, timed out, was lost or expired'
      }
    >
      <Button
        variant="default"
        loading={rerun.isPending}
        disabled={failed === 0}
        onClick={() => rerun.mutate()}
      >
        Re-run failed
      </Button>
    </Tooltip>
  );
}

function exitText(run: RunResponse): string {
  if (run.exitCode !== null) return String(run.exitCode);
  if (run.signal) return run.signal;
  return '—';
}

function RunsTable({
  runs,
  selectedId,
  now,
  linkTo,
}: {
  runs: RunResponse[];
  selectedId: string | null;
  now: number;
  linkTo: (runId: string) => string;
}) {
  return (
    <Table.ScrollContainer minWidth={420}>
      <Table verticalSpacing={6} highlightOnHover data-testid="runs-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Device</Table.Th>
            <Table.Th w={150}>State</Table.Th>
            <Table.Th w={60}>Exit</Table.Th>
            <Table.Th w={90}>Duration</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {runs.map((r) => {
            const selected = r.id === selectedId;
            return (
              <Table.Tr
                key={r.id}
                data-testid="run-row"
                data-state={r.status}
                data-run-id={r.id}
                data-selected={selected}
                aria-current={selected ? 'true' : undefined}
                style={
                  selected
                    ? {
                        background: 'var(--mantine-color-default-hover)',
                        boxShadow: 'inset 3px 0 0 var(--mantine-primary-color-filled)',
                      }
                    : undefined
                }
              >
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={linkTo(r.id)}
                    replace
                    size="sm"
                    fw={selected ? 600 : 400}
                    lineClamp={1}
                    title={r.device.hostname}
                  >
                    {r.device.displayName}
                  </Anchor>
                  {r.device.displayName !== r.device.hostname && (
                    <Text size="xs" c="dimmed" lineClamp={1} data-testid="run-hostname">
                      {r.device.hostname}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <RunStateBadge state={r.status} />
                </Table.Td>
                <Table.Td>
                  <Text
                    size="sm"
                    c={r.exitCode !== null && r.exitCode !== 0 ? 'red' : undefined}
                    data-testid="run-exit"
                  >
                    {exitText(r)}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{formatDuration(runDurationMs(r, now))}</Text>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

const sentence = (t: string) => t.trim().replace(/\.$/, '').toLowerCase();
const sameSentence = (a: string, b: string) => sentence(a) === sentence(b);

/** Final states that are not success get an explanation in their colour, never colour alone. */
function RunOutcome({ run, timeoutSeconds }: { run: RunResponse; timeoutSeconds: number }) {
  if (isOpenRun(run.status) || run.status === 'succeeded') return null;
  const look = RUN_STATE[run.status];
  const detail =
    run.status === 'timed_out'
      ? `It ran longer than the ${formatDuration(timeoutSeconds * 1000)} timeout and was stopped.`
      : run.status === 'failed' && run.exitCode !== null
        ? `The script exited with code ${run.exitCode}.`
        : run.status === 'failed' && run.signal
          ? `The script was killed by ${run.signal}.`
          : look.meaning;
  return (
    <Alert color={look.color} title={look.label} data-testid="run-outcome" data-state={run.status}>
      <Text size="sm">{detail}</Text>
      {run.error && !sameSentence(run.error, detail) && (
        <Text size="sm" mt={4} style={{ overflowWrap: 'anywhere' }}>
          {run.error}
        </Text>
      )}
    </Alert>
  );
}

function OutputPanel({
  runId,
  fallback,
  job,
  watchEpoch,
  connected,
  now,
}: {
  runId: string;
  fallback: RunResponse | undefined;
  job: JobResponse;
  watchEpoch: number;
  connected: boolean;
  now: number;
}) {
  const info = useRunInfo(runId);
  const run: RunResponse | undefined = info.data ?? fallback;
  if (!run) {
    return info.isError ? (
      <ErrorAlert error={info.error} onRetry={() => void info.refetch()} />
    ) : (
      <Loader aria-label="Loading run" />
    );
  }
  const final = !isOpenRun(run.status);
  return (
    <Stack gap="xs" data-testid="output-panel">
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs" wrap="nowrap" style={{ minWidth: 0 }}>
          <Title order={3} size="h5" style={{ overflowWrap: 'anywhere' }}>
            {run.device.displayName}
          </Title>
          <RunStateBadge state={run.status} />
        </Group>
        <Anchor component={Link} to={`/devices/${run.device.id}`} size="sm">
          Open device
        </Anchor>
      </Group>
      <Group gap="lg">
        <Text size="xs" c="dimmed">
          Exit code: <b>{exitText(run)}</b>
        </Text>
        <Text size="xs" c="dimmed">
          Duration: {formatDuration(runDurationMs(run, now))}
        </Text>
        <Text size="xs" c="dimmed">
          Started: {run.startedAt ? <RelativeTime iso={run.startedAt} /> : 'not yet'}
        </Text>
        {final && (
          <Text size="xs" c="dimmed">
            Output: {formatBytes(run.outputBytes)}
          </Text>
        )}
      </Group>
      <RunOutcome run={run} timeoutSeconds={job.timeoutSeconds} />
      <RunOutput
        key={runId}
        runId={runId}
        label={`Output of ${run.device.displayName}`}
        watchEpoch={watchEpoch}
        connected={connected}
        finalLastSeq={final ? run.lastSeq : -1}
      />
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          Standard error is shown in red.
        </Text>
        {final && run.outputBytes === 0 && (
          <Text size="xs" c="dimmed" data-testid="no-output">
            The run produced no output.
          </Text>
        )}
        {run.truncated && (
          <Text size="xs" c="orange">
            Output truncated: the agent stopped sending at its size limit.
          </Text>
        )}
      </Group>
    </Stack>
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
          canAct && (
            <>
              <RerunButton job={job} />
              {job.status === 'running' && <CancelJobButton job={job} />}
            </>
          )
        }
      />
      <Stack gap="md">
        <Card withBorder padding="sm">
          <Stack gap="xs">
            <Group justify="space-between">
              <Group gap="sm">
                <JobStatusBadge status={job.status} />
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
            <Card withBorder padding="sm">
              {selectedId ? (
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
              )}
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
