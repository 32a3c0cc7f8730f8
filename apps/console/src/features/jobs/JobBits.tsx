import type { JobResponse, RunCounts, RunState } from '@fleetdesk/api-types';
import { Badge, Group, Progress, Text, Tooltip } from '@mantine/core';
import { finishedCount, jobLook, RUN_STATE } from './states';

export function RunStateBadge({ state }: { state: RunState }) {
  const look = RUN_STATE[state];
  return (
    <Tooltip label={look.meaning} multiline w={260}>
      <Badge
        color={look.color}
        variant={state === 'pending' || state === 'dispatched' ? 'outline' : 'light'}
        data-run-state={state}
        style={{ textTransform: 'none' }}
      >
        {look.label}
      </Badge>
    </Tooltip>
  );
}

/** A job's state, and once it is finished, its outcome (failed, partly failed, succeeded). */
export function JobStatusBadge({ job }: { job: Pick<JobResponse, 'status' | 'counts'> }) {
  const look = jobLook(job);
  return (
    <Tooltip label={look.meaning} multiline maw={300}>
      <Badge
        color={look.color}
        variant="light"
        data-testid="job-status"
        data-job-status={job.status}
        data-job-outcome={look.outcome ?? undefined}
        style={{ textTransform: 'none' }}
      >
        {look.label}
      </Badge>
    </Tooltip>
  );
}

/** Finished states first (left), then what is under way; pending is the empty remainder. */
const SECTION_ORDER: RunState[] = [
  'succeeded',
  'failed',
  'timed_out',
  'lost',
  'expired',
  'cancelled',
  'running',
  'dispatched',
];

function describeCounts(counts: RunCounts): string {
  const parts = (Object.keys(RUN_STATE) as RunState[])
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${RUN_STATE[s].label.toLowerCase()}`);
  return parts.length ? parts.join(', ') : 'no runs';
}

/**
 * A job's runs as one stacked bar (a colour per state) with "done/total" beside it. The
 * accessible name and the tooltip spell out every count.
 */
export function JobProgress({ counts, size = 'lg' }: { counts: RunCounts; size?: 'sm' | 'lg' }) {
  const total = counts.total;
  const done = finishedCount(counts);
  const summary = describeCounts(counts);
  return (
    <Group gap="xs" wrap="nowrap" data-testid="job-progress" data-done={done} data-total={total}>
      <Tooltip label={summary} multiline w={280}>
        <Progress.Root
          size={size}
          style={{ flex: 1, minWidth: 80 }}
          aria-label={`${done} of ${total} runs finished: ${summary}`}
          role="img"
        >
          {SECTION_ORDER.filter((s) => counts[s] > 0).map((s) => (
            <Progress.Section
              key={s}
              value={total ? (counts[s] * 100) / total : 0}
              color={RUN_STATE[s].color}
              striped={s === 'running'}
              animated={s === 'running'}
              withAria={false}
            />
          ))}
        </Progress.Root>
      </Tooltip>
      <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
        {done}/{total}
      </Text>
    </Group>
  );
}

/** Counts per state as small coloured labels, for the job header. */
export function CountsLegend({ counts }: { counts: RunCounts }) {
  const states = (Object.keys(RUN_STATE) as RunState[]).filter((s) => counts[s] > 0);
  return (
    <Group gap="md" data-testid="job-counts">
      {states.map((s) => (
        <Group key={s} gap={6} wrap="nowrap" data-count-state={s}>
          <span
            aria-hidden
            style={{
              width: 10,
              height: 10,
              borderRadius: 2,
              display: 'inline-block',
              background: `var(--mantine-color-${RUN_STATE[s].color}-6)`,
            }}
          />
          <Text size="sm">
            {counts[s]} {RUN_STATE[s].label.toLowerCase()}
          </Text>
        </Group>
      ))}
      <Text size="sm" c="dimmed">
        {counts.total} in total
      </Text>
    </Group>
  );
}
