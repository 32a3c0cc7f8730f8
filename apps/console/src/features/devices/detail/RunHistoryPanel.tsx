import {
  Anchor,
  Group,
  Loader,
  Pagination,
  Skeleton,
  Stack,
  Table,
  Text,
  Tooltip,
} from '@mantine/core';
import { useThrottledCallback } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { type DeviceResponse, type DeviceRunResponse, isOpenRunState } from '@fleetdesk/api-types';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useOnReconnect, useSocketEvent } from '../../../api/socket';
import { EmptyState, ErrorAlert, RelativeTime } from '../../../components/common';
import { formatDuration } from '../../../lib/format';
import { deviceKeys, fetchDeviceRuns } from '../api';
import { RunStatusBadge } from '../badges';

const PAGE_SIZE = 25;
/** job.changed marks only a job's creation and end, so open runs on an online device are polled. */
const OPEN_POLL_MS = 5000;

const runDuration = (r: DeviceRunResponse) =>
  r.startedAt && r.finishedAt
    ? new Date(r.finishedAt).getTime() - new Date(r.startedAt).getTime()
    : null;

/** The device's runs across every job, newest first, paged by the server. */
export function RunHistoryPanel({ device }: { device: DeviceResponse }) {
  const client = useQueryClient();
  const [page, setPage] = useState(1);
  const [pageFor, setPageFor] = useState(device.id);
  if (pageFor !== device.id) {
    // Another device starts again from its first page.
    setPageFor(device.id);
    setPage(1);
  }

  const online = device.status === 'online';
  const runs = useQuery({
    queryKey: deviceKeys.runPage({ deviceId: device.id, page, pageSize: PAGE_SIZE }),
    queryFn: () => fetchDeviceRuns({ deviceId: device.id, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
    refetchInterval: (query) =>
      online && query.state.data?.items.some((r) => isOpenRunState(r.status))
        ? OPEN_POLL_MS
        : false,
  });

  const refresh = useThrottledCallback(() => {
    void client.invalidateQueries({ queryKey: deviceKeys.runs(device.id) });
  }, 3000);
  useSocketEvent('job.changed', () => refresh());
  useOnReconnect(() => refresh());

  const data = runs.data;
  if (runs.isError && !data) {
    return <ErrorAlert error={runs.error} onRetry={() => void runs.refetch()} />;
  }
  if (!data) {
    return (
      <Stack gap={6}>
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} h={32} />
        ))}
      </Stack>
    );
  }
  if (data.total === 0) {
    return (
      <EmptyState title="No runs on this device yet">
        Scripts run on this device will be listed here with their result.
      </EmptyState>
    );
  }

  const pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
  return (
    <Stack gap="sm" data-testid="device-runs">
      <Group justify="space-between">
        <Text size="sm" c="dimmed" data-testid="device-runs-total">
          {data.total.toLocaleString()} run{data.total === 1 ? '' : 's'}, newest first
        </Text>
        {runs.isFetching && <Loader size="xs" aria-label="Loading runs" />}
      </Group>
      <Table.ScrollContainer minWidth={700}>
        <Table verticalSpacing={6} fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Job</Table.Th>
              <Table.Th w={130}>Result</Table.Th>
              <Table.Th w={90}>Exit code</Table.Th>
              <Table.Th w={140}>Started</Table.Th>
              <Table.Th w={100}>Duration</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((run) => (
              <Table.Tr key={run.id} data-testid="device-run-row" data-job-id={run.job.id}>
                <Table.Td>
                  <Anchor
                    component={Link}
                    to={`/jobs/${run.job.id}`}
                    size="sm"
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {run.job.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Tooltip label={run.error} disabled={!run.error} multiline maw={320}>
                    <span>
                      <RunStatusBadge status={run.status} />
                    </span>
                  </Tooltip>
                </Table.Td>
                <Table.Td ff="monospace">{run.exitCode ?? (run.signal || '—')}</Table.Td>
                <Table.Td>
                  {run.startedAt ? (
                    <RelativeTime iso={run.startedAt} />
                  ) : (
                    <Text span size="sm" c="dimmed">
                      queued <RelativeTime iso={run.createdAt} />
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{formatDuration(runDuration(run))}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {pages > 1 && (
        <Group justify="flex-end">
          <Pagination
            total={pages}
            value={Math.min(page, pages)}
            onChange={setPage}
            getItemProps={(p) => ({ 'aria-label': `Run history page ${p}` })}
          />
        </Group>
      )}
    </Stack>
  );
}
