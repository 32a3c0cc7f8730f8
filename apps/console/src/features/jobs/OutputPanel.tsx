import type { JobResponse, RunResponse } from '@fleetdesk/api-types';
import { Alert, Anchor, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { ErrorAlert, RelativeTime } from '../../components/common';
import { formatBytes, formatDuration } from '../../lib/format';
import { useRunInfo } from './api';
import { RunStateBadge } from './JobBits';
import { fetchRunText } from './output-text';
import { OutputTools } from './OutputTools';
import { RunOutput } from './RunOutput';
import { exitText } from './RunsTable';
import { isOpenRun, RUN_STATE, runDurationMs } from './states';

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

export function OutputPanel({
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
        <Group gap="xs" wrap="wrap" style={{ minWidth: 0 }}>
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
        <OutputTools
          name={`${job.name}-${run.device.displayName}`}
          load={() => fetchRunText(run.id)}
        />
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
