import {
  Anchor,
  Badge,
  Card,
  Grid,
  Group,
  Progress,
  SimpleGrid,
  Skeleton,
  Stack,
  Text,
  Title,
  Tooltip,
} from '@mantine/core';
import { useThrottledCallback } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  type DeviceListQuery,
  type JobResponse,
  type Page,
  type RunCounts,
  unsuccessfulRuns,
} from '@fleetdesk/api-types';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { get } from '../../api/client';
import { useOnReconnect, useSocketEvent } from '../../api/socket';
import { useCan } from '../../auth/auth';
import {
  EmptyState,
  ErrorAlert,
  PageHeader,
  RelativeTime,
  StatusDot,
} from '../../components/common';
import { formatBytes, formatPercent } from '../../lib/format';
import {
  deviceKeys,
  fetchDevice,
  fetchDeviceCount,
  fetchDevices,
  patchDeviceStatus,
} from '../devices/api';
import { JobStatusBadge } from '../jobs/JobBits';
import { DISK_NEARLY_FULL_PERCENT } from '../devices/health';
import { useAlertSummary, useAlertsLive } from '../monitoring/api';
import { SeverityCounts, worstColor } from '../monitoring/SeverityCounts';
import { type FullDisk, useNearlyFullDisks } from './useNearlyFullDisks';

const recentJobsKey = (pageSize: number) => ['jobs', 'recent', pageSize] as const;

const JOBS_PAGE = 50;
const ITEMS_SHOWN = 6;
const OFFLINE_QUERY: DeviceListQuery = {
  status: 'offline',
  sort: 'lastSeenAt',
  order: 'desc',
  page: 1,
  pageSize: ITEMS_SHOWN,
};
const runningJobsKey = ['jobs', 'count', 'running'] as const;

function StatCard({
  label,
  value,
  to,
  hint,
  testId,
  color,
}: {
  label: string;
  value: number | undefined;
  to: string;
  hint?: ReactNode;
  testId: string;
  /** The figure's colour (open alerts: their worst severity). */
  color?: string;
}) {
  return (
    <Card
      withBorder
      component={Link}
      to={to}
      data-testid={testId}
      style={{ textDecoration: 'none' }}
    >
      <Text size="sm" c="dimmed" fw={500}>
        {label}
      </Text>
      {value === undefined ? (
        <Skeleton h={34} w={80} mt={4} />
      ) : (
        <Text fz={30} fw={700} lh={1.2} c={color} data-testid={`${testId}-value`}>
          {value.toLocaleString()}
        </Text>
      )}
      {hint && (
        <Text size="xs" c="dimmed" component="div">
          {hint}
        </Text>
      )}
    </Card>
  );
}

function Section({
  title,
  count,
  color,
  children,
  more,
}: {
  title: string;
  count: number | undefined;
  color: string;
  children: ReactNode;
  more?: ReactNode;
}) {
  return (
    <Stack gap={6}>
      <Group justify="space-between">
        <Group gap="xs">
          <Text fw={600} size="sm">
            {title}
          </Text>
          {count !== undefined && (
            <Badge color={count > 0 ? color : 'gray'} variant="light" size="sm">
              {count.toLocaleString()}
            </Badge>
          )}
        </Group>
        {more}
      </Group>
      {children}
    </Stack>
  );
}

/** A device known only by id (a heartbeat from outside the first page): its name, looked up once. */
function DeviceName({ id }: { id: string }) {
  const device = useQuery({
    queryKey: deviceKeys.detail(id),
    queryFn: () => fetchDevice(id),
    staleTime: 60_000,
  });
  return <>{device.data?.displayName ?? (device.isError ? 'Unknown device' : '…')}</>;
}

function DiskRow({ disk }: { disk: FullDisk }) {
  return (
    <Group justify="space-between" wrap="nowrap" gap="sm" data-testid="attention-disk">
      <Anchor component={Link} to={`/devices/${disk.deviceId}`} size="sm" lineClamp={1}>
        {disk.displayName ?? <DeviceName id={disk.deviceId} />}
      </Anchor>
      <Group gap="xs" wrap="nowrap">
        <Text size="xs" c="dimmed" ff="monospace" lineClamp={1} maw={140} title={disk.mount}>
          {disk.mount}
        </Text>
        <Tooltip label={`${formatBytes(disk.freeBytes)} free`}>
          <Badge color="red" variant="light" size="sm">
            {formatPercent(disk.percent)}
          </Badge>
        </Tooltip>
      </Group>
    </Group>
  );
}

const failedCount = (c: RunCounts) => unsuccessfulRuns(c);

function failureSummary(c: RunCounts): string {
  const parts = [
    c.failed && `${c.failed} failed`,
    c.timed_out && `${c.timed_out} timed out`,
    c.lost && `${c.lost} lost`,
    c.expired && `${c.expired} expired`,
  ].filter(Boolean);
  return `${parts.join(', ')} of ${c.total}`;
}

function JobProgress({ counts }: { counts: RunCounts }) {
  const total = Math.max(1, counts.total);
  const failed = failedCount(counts);
  return (
    <Tooltip
      label={`${counts.succeeded} succeeded, ${failed} failed, ${counts.pending + counts.dispatched + counts.running} open, of ${counts.total}`}
    >
      <Progress.Root size="sm" w={90} aria-label="Runs">
        <Progress.Section value={(counts.succeeded / total) * 100} color="green" />
        <Progress.Section value={(failed / total) * 100} color="red" />
        <Progress.Section
          value={((counts.running + counts.dispatched) / total) * 100}
          color="blue"
        />
      </Progress.Root>
    </Tooltip>
  );
}

function NeedsAttention({
  offline,
  offlineError,
  jobs,
  jobsError,
}: {
  offlineError: unknown;
  jobsError: unknown;
  offline:
    | {
        total: number;
        items: { id: string; displayName: string; lastSeenAt: string | null; status: string }[];
      }
    | undefined;
  jobs: JobResponse[] | undefined;
}) {
  const disks = useNearlyFullDisks();
  const failing = (jobs ?? []).filter((j) => failedCount(j.counts) > 0);

  return (
    <Card withBorder h="100%" data-testid="needs-attention">
      <Title order={4} mb="sm">
        Needs attention
      </Title>
      <Stack gap="lg">
        <Section
          title="Offline"
          count={offline?.total}
          color="gray"
          more={
            offline && offline.total > 0 ? (
              <Anchor
                component={Link}
                to="/devices?status=offline&sort=lastSeenAt&order=desc"
                size="xs"
              >
                See all offline devices
              </Anchor>
            ) : undefined
          }
        >
          {!offline && offlineError ? (
            <ErrorAlert error={offlineError} />
          ) : !offline ? (
            <Skeleton h={60} />
          ) : offline.items.length === 0 ? (
            <Text size="sm" c="dimmed">
              Every device is online.
            </Text>
          ) : (
            offline.items.map((d) => (
              <Group
                key={d.id}
                justify="space-between"
                wrap="nowrap"
                data-testid="attention-offline"
              >
                <Group gap={8} wrap="nowrap">
                  <StatusDot status={d.status} />
                  <Anchor component={Link} to={`/devices/${d.id}`} size="sm" lineClamp={1}>
                    {d.displayName}
                  </Anchor>
                </Group>
                <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                  last seen <RelativeTime iso={d.lastSeenAt} />
                </Text>
              </Group>
            ))
          )}
        </Section>

        <Section
          title={`Disk over ${DISK_NEARLY_FULL_PERCENT} % full`}
          count={disks.seeded ? disks.disks.length : undefined}
          color="red"
        >
          {disks.error ? (
            <ErrorAlert error={disks.error} />
          ) : !disks.seeded ? (
            <Skeleton h={40} />
          ) : disks.disks.length === 0 ? (
            <Text size="sm" c="dimmed">
              No device reports a disk over {DISK_NEARLY_FULL_PERCENT} % full.
            </Text>
          ) : (
            disks.disks.slice(0, ITEMS_SHOWN).map((d) => <DiskRow key={d.deviceId} disk={d} />)
          )}
          {disks.disks.length > ITEMS_SHOWN && (
            <Text size="xs" c="dimmed">
              and {disks.disks.length - ITEMS_SHOWN} more
            </Text>
          )}
        </Section>

        <Section
          title={`Jobs with failed runs (last ${JOBS_PAGE} jobs)`}
          count={jobs ? failing.length : undefined}
          color="red"
        >
          {!jobs && jobsError ? (
            <Text size="sm" c="red">
              Recent jobs could not be loaded (see Recent jobs).
            </Text>
          ) : !jobs ? (
            <Skeleton h={40} />
          ) : failing.length === 0 ? (
            <Text size="sm" c="dimmed">
              No failed runs in recent jobs.
            </Text>
          ) : (
            failing.slice(0, ITEMS_SHOWN).map((j) => (
              <Group
                key={j.id}
                justify="space-between"
                wrap="nowrap"
                data-testid="attention-failed-job"
              >
                <Anchor component={Link} to={`/jobs/${j.id}`} size="sm" lineClamp={1}>
                  {j.name}
                </Anchor>
                <Text size="xs" c="red" style={{ whiteSpace: 'nowrap' }}>
                  {failureSummary(j.counts)}
                </Text>
              </Group>
            ))
          )}
        </Section>
      </Stack>
    </Card>
  );
}

function RecentJobs({
  jobs,
  error,
  onRetry,
}: {
  jobs: JobResponse[] | undefined;
  error: unknown;
  onRetry: () => void;
}) {
  const canRun = useCan('technician');
  return (
    <Card withBorder h="100%" data-testid="recent-jobs">
      <Group justify="space-between" mb="sm">
        <Title order={4}>Recent jobs</Title>
        <Anchor component={Link} to="/jobs" size="xs">
          See all jobs
        </Anchor>
      </Group>
      {error && !jobs ? (
        <ErrorAlert error={error} onRetry={onRetry} />
      ) : !jobs ? (
        <Stack gap={6}>
          {Array.from({ length: 5 }, (_, i) => (
            <Skeleton key={i} h={36} />
          ))}
        </Stack>
      ) : jobs.length === 0 ? (
        <EmptyState
          title="No jobs yet"
          action={
            canRun ? (
              <Anchor component={Link} to="/devices" size="sm">
                Pick devices and run a script
              </Anchor>
            ) : undefined
          }
        >
          Scripts run on devices show up here with their progress.
        </EmptyState>
      ) : (
        <Stack gap="sm">
          {jobs.slice(0, 8).map((j) => (
            <Group
              key={j.id}
              justify="space-between"
              wrap="nowrap"
              gap="sm"
              data-testid="recent-job"
            >
              <Stack gap={0} style={{ minWidth: 0 }}>
                <Anchor component={Link} to={`/jobs/${j.id}`} size="sm" fw={500} lineClamp={1}>
                  {j.name}
                </Anchor>
                <Text size="xs" c="dimmed" lineClamp={1}>
                  <RelativeTime iso={j.createdAt} /> · {j.createdBy.email ?? 'deleted user'} ·{' '}
                  {j.counts.total} device{j.counts.total === 1 ? '' : 's'}
                </Text>
              </Stack>
              <Group gap="xs" wrap="nowrap">
                <JobProgress counts={j.counts} />
                <JobStatusBadge job={j} />
              </Group>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}

export function OverviewPage() {
  const client = useQueryClient();
  const canEnroll = useCan('technician');
  const total = useQuery({
    queryKey: deviceKeys.count('all'),
    queryFn: () => fetchDeviceCount('all'),
  });
  const online = useQuery({
    queryKey: deviceKeys.count('online'),
    queryFn: () => fetchDeviceCount('online'),
  });
  const offlineCount = useQuery({
    queryKey: deviceKeys.count('offline'),
    queryFn: () => fetchDeviceCount('offline'),
  });
  const offline = useQuery({
    queryKey: deviceKeys.list(OFFLINE_QUERY),
    queryFn: () => fetchDevices(OFFLINE_QUERY),
  });
  const jobs = useQuery({
    queryKey: recentJobsKey(JOBS_PAGE),
    queryFn: () => get<Page<JobResponse>>('/jobs', { page: 1, pageSize: JOBS_PAGE }),
  });
  const running = useQuery({
    queryKey: runningJobsKey,
    queryFn: async () =>
      (await get<Page<JobResponse>>('/jobs', { status: 'running', pageSize: 1 })).total,
  });

  // Counts cannot be patched in place (an event does not say what the device was before), so
  // they are refetched — at most every few seconds, however many devices flap.
  const refreshDevices = useThrottledCallback(() => {
    void client.invalidateQueries({ queryKey: deviceKeys.counts() });
    void client.invalidateQueries({ queryKey: deviceKeys.list(OFFLINE_QUERY) });
  }, 5000);
  const refreshJobs = useThrottledCallback(() => {
    void client.invalidateQueries({ queryKey: recentJobsKey(JOBS_PAGE) });
    void client.invalidateQueries({ queryKey: runningJobsKey });
  }, 3000);
  useSocketEvent('device.status', (e) => {
    patchDeviceStatus(client, e);
    refreshDevices();
  });
  useSocketEvent('device.changed', () => refreshDevices());
  useSocketEvent('job.changed', () => refreshJobs());
  useOnReconnect(() => {
    refreshDevices();
    refreshJobs();
  });

  const alertSummary = useAlertSummary();
  useAlertsLive();
  const openAlerts = alertSummary.data
    ? alertSummary.data.firing + alertSummary.data.acknowledged
    : undefined;

  const countError = total.error ?? online.error ?? offlineCount.error;
  const noDevices = total.data === 0;

  return (
    <>
      <PageHeader title="Fleet overview" />
      {countError && (
        <ErrorAlert
          error={countError}
          onRetry={() => void client.invalidateQueries({ queryKey: deviceKeys.counts() })}
        />
      )}
      <SimpleGrid cols={{ base: 2, md: 5 }} mb="md">
        <StatCard
          label="Open alerts"
          value={openAlerts}
          to="/alerts"
          testId="stat-open-alerts"
          color={alertSummary.data ? worstColor(alertSummary.data) : undefined}
          hint={
            alertSummary.data ? (
              <SeverityCounts summary={alertSummary.data} />
            ) : alertSummary.isError ? (
              'could not be counted'
            ) : undefined
          }
        />
        <StatCard
          label="Online"
          value={online.data}
          to="/devices?status=online"
          testId="stat-online"
          hint={total.data !== undefined ? `of ${total.data.toLocaleString()} devices` : undefined}
        />
        <StatCard
          label="Offline"
          value={offlineCount.data}
          to="/devices?status=offline"
          testId="stat-offline"
          hint="silent for 2.5 heartbeats"
        />
        <StatCard
          label="All devices"
          value={total.data}
          to="/devices"
          testId="stat-total"
          hint="including revoked"
        />
        <StatCard
          label="Jobs running"
          value={running.data}
          to="/jobs"
          testId="stat-running-jobs"
          hint="started, not yet finished"
        />
      </SimpleGrid>
      {noDevices ? (
        <Card withBorder>
          <EmptyState
            title="No devices yet"
            action={
              canEnroll ? (
                <Anchor component={Link} to="/enroll">
                  Enroll your first device
                </Anchor>
              ) : undefined
            }
          >
            {canEnroll
              ? 'Create an enrollment token and run the agent on a computer: it shows up here within seconds.'
              : 'Ask a technician to enroll devices; they will show up here live.'}
          </EmptyState>
        </Card>
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <NeedsAttention
              offline={offline.data}
              offlineError={offline.error}
              jobs={jobs.data?.items}
              jobsError={jobs.error}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 6 }}>
            <RecentJobs
              jobs={jobs.data?.items}
              error={jobs.error}
              onRetry={() => void jobs.refetch()}
            />
          </Grid.Col>
        </Grid>
      )}
    </>
  );
}
