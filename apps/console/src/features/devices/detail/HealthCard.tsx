import { LineChart } from '@mantine/charts';
import { Card, Group, Progress, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import {
  diskUsedPercent,
  type DeviceDetail,
  type DeviceMetrics,
  type DeviceMetricsEvent,
} from '@fleetdesk/api-types';
import { useState } from 'react';
import { useSocketEvent } from '../../../api/socket';
import { RelativeTime } from '../../../components/common';
import { formatBytes, formatPercent } from '../../../lib/format';
import { deviceKeys } from '../api';
import { formatUptime, fullestDisk, memoryPercent, usageColor } from '../health';

/** About one minute at a 1 s heartbeat, half an hour at the default 30 s. */
const MAX_POINTS = 60;

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
 * Live CPU, memory and disk use. Seeded with the last heartbeat the server kept, then fed by
 * this device's `device.metrics` events; the history lives only in this component.
 */
export function HealthCard({ device }: { device: DeviceDetail }) {
  const client = useQueryClient();
  const [points, setPoints] = useState<Point[]>(() =>
    device.metrics ? [toPoint(device.metrics)] : [],
  );
  const [latest, setLatest] = useState<DeviceMetrics | null>(device.metrics);

  useSocketEvent('device.metrics', (e: DeviceMetricsEvent) => {
    if (e.deviceId !== device.id) return;
    const m: DeviceMetrics = { ...e.metrics, at: e.at };
    setLatest(m);
    setPoints((prev) => [...prev, toPoint(m)].slice(-MAX_POINTS));
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
            <Text size="xs" c="dimmed">
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
