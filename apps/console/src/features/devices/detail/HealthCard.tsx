import { LineChart } from '@mantine/charts';
import {
  Card,
  Group,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import {
  diskUsedPercent,
  type DeviceDetail,
  type DeviceMetrics,
  type DeviceMetricsEvent,
  type MetricPoint,
} from '@fleetdesk/api-types';
import { useMemo, useState } from 'react';
import { useSocketEvent } from '../../../api/socket';
import { RelativeTime } from '../../../components/common';
import { formatBytes, formatPercent } from '../../../lib/format';
import { deviceKeys, fetchDeviceMetrics } from '../api';
import { formatUptime, fullestDisk, memoryPercent, usageColor } from '../health';

/** Live heartbeats kept after the last stored minute (an hour at the default 30 s). */
const MAX_POINTS = 120;

/** The chart's ranges: the stored history (1-minute buckets up to a day, then 15-minute). */
const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };
type Range = keyof typeof RANGES;

interface Point {
  at: string;
  time: string;
  CPU: number;
  Memory: number | null;
  Disk: number | null;
}

function toPoint(m: DeviceMetrics): Point {
  return {
    at: m.at,
    time: new Date(m.at).toLocaleTimeString(),
    CPU: Math.round(m.cpuPercent * 10) / 10,
    Memory: round(memoryPercent(m)),
    Disk: round(fullestDisk(m)?.percent ?? null),
  };
}

const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);

function historyPoint(p: MetricPoint, range: Range): Point {
  const d = new Date(p.at);
  return {
    at: p.at,
    time: RANGES[range] > RANGES['24h'] ? d.toLocaleString() : d.toLocaleTimeString(),
    CPU: round(p.cpuAvg) ?? 0,
    Memory: round(p.memAvg),
    Disk: round(p.diskMax),
  };
}

function Meter({
  label,
  percent,
  detail,
}: {
  label: string;
  percent: number | null;
  detail: string;
}) {
  return (
    <Stack gap={4}>
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text size="sm" fw={500}>
          {label}
        </Text>
        <Text size="sm" fw={700} data-testid={`health-${label.toLowerCase()}`}>
          {formatPercent(percent)}
        </Text>
      </Group>
      <Progress
        value={percent ?? 0}
        color={usageColor(percent)}
        aria-label={`${label} usage`}
        transitionDuration={300}
      />
      <Text size="xs" c="dimmed" lineClamp={1} title={detail}>
        {detail}
      </Text>
    </Stack>
  );
}

/**
 * CPU, memory and disk use: the stored history of the chosen range (from the first visit),
 * followed live by this device's `device.metrics` events.
 */
export function HealthCard({ device }: { device: DeviceDetail }) {
  const client = useQueryClient();
  const [range, setRange] = useState<Range>('1h');
  const [live, setLive] = useState<Point[]>([]);
  const [latest, setLatest] = useState<DeviceMetrics | null>(device.metrics);
  const history = useQuery({
    queryKey: deviceKeys.metrics(device.id, range),
    queryFn: () =>
      fetchDeviceMetrics(device.id, {
        from: new Date(Date.now() - RANGES[range]).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      }),
    refetchInterval: 60_000,
  });
  const points = useMemo(() => {
    const stored = (history.data?.points ?? []).map((p) => historyPoint(p, range));
    const last = stored.at(-1)?.at ?? '';
    // Heartbeats newer than the last stored bucket extend the short ranges live.
    const tail = range === '1h' ? live.filter((p) => p.at > last) : [];
    const all = [...stored, ...tail];
    return all.length === 0 && device.metrics ? [toPoint(device.metrics)] : all;
  }, [history.data, live, range, device.metrics]);

  useSocketEvent('device.metrics', (e: DeviceMetricsEvent) => {
    if (e.deviceId !== device.id) return;
    const m: DeviceMetrics = { ...e.metrics, at: e.at };
    setLatest(m);
    setLive((prev) => [...prev, toPoint(m)].slice(-MAX_POINTS));
    // So a remount (tab switch, navigation back) starts from this heartbeat, not a stale one.
    client.setQueryData<DeviceDetail>(deviceKeys.detail(device.id), (d) =>
      d ? { ...d, metrics: m } : d,
    );
  });

  const disk = fullestDisk(latest);
  const mem = latest ? memoryPercent(latest) : null;

  return (
    <Card withBorder h="100%" data-testid="device-health">
      <Group justify="space-between" mb="sm">
        <Title order={4}>Health</Title>
        <SegmentedControl
          size="xs"
          value={range}
          onChange={(v) => setRange(v as Range)}
          data={Object.keys(RANGES)}
          aria-label="Chart range"
          data-testid="health-range"
        />
        <Text size="xs" c="dimmed">
          {latest ? (
            <>
              Last heartbeat <RelativeTime iso={latest.at} />
            </>
          ) : (
            'No heartbeat yet'
          )}
        </Text>
      </Group>
      {!latest ? (
        <Text size="sm" c="dimmed">
          {device.status === 'online'
            ? 'Waiting for the first heartbeat from the agent…'
            : 'The agent has not reported any health data. It will appear here once the device is online.'}
        </Text>
      ) : (
        <Stack gap="md">
          <SimpleGrid cols={3} spacing="md">
            <Meter
              label="CPU"
              percent={latest.cpuPercent}
              detail={`Load ${latest.load.map((l) => l.toFixed(2)).join(' / ')}`}
            />
            <Meter
              label="Memory"
              percent={mem}
              detail={`${formatBytes(latest.memory.usedBytes)} of ${formatBytes(latest.memory.totalBytes)}`}
            />
            <Meter
              label="Disk"
              percent={disk?.percent ?? null}
              detail={
                disk ? `${disk.mount}: ${formatBytes(disk.freeBytes)} free` : 'No disk reported'
              }
            />
          </SimpleGrid>
          {points.length > 1 ? (
            <LineChart
              h={150}
              data={points}
              dataKey="time"
              series={[
                { name: 'CPU', color: 'blue.6' },
                { name: 'Memory', color: 'teal.6' },
                { name: 'Disk', color: 'orange.6', label: 'Fullest disk' },
              ]}
              curveType="monotone"
              withDots={false}
              withLegend
              legendProps={{ verticalAlign: 'bottom', height: 24 }}
              unit="%"
              yAxisProps={{ domain: [0, 100], ticks: [0, 25, 50, 75, 100], width: 44 }}
              xAxisProps={{ minTickGap: 40 }}
              lineProps={{ isAnimationActive: false }}
              connectNulls
              data-testid="health-chart"
            />
          ) : (
            <Text size="xs" c="dimmed" data-testid="health-chart-empty">
              {history.isLoading ? 'Loading the history… ' : 'No history in this range yet. '}
              The chart fills in as heartbeats arrive
              {device.status === 'online'
                ? '.'
                : device.status === 'revoked'
                  ? ' — but this device is revoked and sends none.'
                  : ' — the device is offline right now.'}
            </Text>
          )}
          {latest.disks.length > 1 && (
            <Stack gap={6}>
              {latest.disks.map((d) => {
                const p = diskUsedPercent(d);
                return (
                  <Group key={d.mount} gap="sm" wrap="nowrap">
                    <Text size="xs" w={140} lineClamp={1} title={d.mount} ff="monospace">
                      {d.mount}
                    </Text>
                    <Progress
                      value={p ?? 0}
                      color={usageColor(p)}
                      style={{ flex: 1 }}
                      aria-label={`Disk ${d.mount} usage`}
                    />
                    <Text size="xs" w={150} ta="right">
                      {formatPercent(p)} of {formatBytes(d.totalBytes)}
                    </Text>
                  </Group>
                );
              })}
            </Stack>
          )}
          <Text size="xs" c="dimmed">
            Up {formatUptime(latest.uptimeSeconds)}
          </Text>
        </Stack>
      )}
    </Card>
  );
}
