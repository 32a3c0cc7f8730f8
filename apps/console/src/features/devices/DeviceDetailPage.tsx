import {
  Alert,
  Anchor,
  Button,
  Card,
  Grid,
  Group,
  Skeleton,
  Stack,
  Tabs,
  Text,
  Title,
} from '@mantine/core';
import { useThrottledCallback } from '@mantine/hooks';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeviceDetail } from '@fleetdesk/api-types';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useOnReconnect, useSocketEvent } from '../../api/socket';
import { useCan } from '../../auth/auth';
import {
  EmptyState,
  ErrorAlert,
  PageHeader,
  RelativeTime,
  StatusDot,
} from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { RunScriptModal } from '../jobs/RunScriptModal';
import { CollectLogsModal } from '../logs/CollectLogsModal';
import { deviceKeys, fetchDevice, patchDeviceStatus } from './api';
import { EditDeviceModal } from './EditDeviceModal';
import { lanAddresses } from './identity';
import { DeviceStatusBadge, OutdatedBadge } from './badges';
import { HealthCard } from './detail/HealthCard';
import { Facts, InventoryPanel } from './detail/InventoryPanel';
import { RunHistoryPanel } from './detail/RunHistoryPanel';
import { SoftwarePanel } from './detail/SoftwarePanel';
import { PendingUpdatesPanel } from './detail/PendingUpdatesPanel';
import { PoliciesPanel } from './detail/PoliciesPanel';
import { ChecksPanel } from './detail/ChecksPanel';
import { LiveLogPanel } from './detail/LiveLogPanel';
import { FilesPanel } from './detail/FilesPanel';
import { TagsEditor } from './detail/TagsEditor';
import { osLabel } from './health';
import { RevokeDevicesModal } from './RevokeDevicesModal';

function SummaryCard({ device, canAct }: { device: DeviceDetail; canAct: boolean }) {
  return (
    <Card withBorder h="100%" data-testid="device-summary">
      <Title order={4} mb="xs">
        Summary
      </Title>
      <Facts
        rows={[
          [
            'Status',
            <Group gap={6} key="s">
              <DeviceStatusBadge status={device.status} />
              {device.status !== 'online' && device.lastSeenAt && (
                <Text size="xs" c="dimmed">
                  last seen <RelativeTime iso={device.lastSeenAt} />
                </Text>
              )}
            </Group>,
          ],
          ['Hostname', device.hostname],
          ['OS', `${osLabel(device.os)} · ${device.os.arch}`],
          ['LAN address', lanAddresses(device).join(', ') || '—'],
          ['Connected from', device.lastIp ?? '—'],
          ['Device id', device.id],
          ['Group', device.group?.name ?? 'None'],
          [
            'Agent version',
            <Group key="agent" gap={6}>
              {device.agentVersion}
              {device.outdated && <OutdatedBadge />}
            </Group>,
          ],
          ['Enrolled', formatDateTime(device.enrolledAt)],
        ]}
      />
      <Text size="sm" fw={500} c="dimmed" mt="sm" mb={6}>
        Tags
      </Text>
      <TagsEditor device={device} editable={canAct && device.status !== 'revoked'} />
    </Card>
  );
}

export function DeviceDetailPage() {
  const { id = '' } = useParams();
  const client = useQueryClient();
  const canAct = useCan('technician');
  const [dialog, setDialog] = useState<'run' | 'revoke' | 'edit' | 'logs' | null>(null);
  const device = useQuery({ queryKey: deviceKeys.detail(id), queryFn: () => fetchDevice(id) });

  const refetch = useThrottledCallback(() => {
    void client.invalidateQueries({ queryKey: deviceKeys.detail(id) });
    void client.invalidateQueries({ queryKey: deviceKeys.software(id) });
  }, 2000);
  useSocketEvent('device.status', (e) => {
    if (e.deviceId === id) patchDeviceStatus(client, e);
  });
  useSocketEvent('device.changed', (e) => {
    if (e.deviceId === id) refetch();
  });
  useOnReconnect(() => {
    void client.invalidateQueries({ queryKey: deviceKeys.detail(id) });
  });

  if (device.isError) {
    const missing =
      device.error instanceof ApiError &&
      (device.error.status === 404 || device.error.status === 400);
    return missing ? (
      <EmptyState
        title="Device not found"
        action={
          <Button component={Link} to="/devices" variant="light">
            Back to devices
          </Button>
        }
      >
        It may have been deleted, or the address is wrong.
      </EmptyState>
    ) : (
      <ErrorAlert error={device.error} onRetry={() => void device.refetch()} />
    );
  }
  if (device.isPending) {
    return (
      <Stack>
        <Skeleton h={36} w={300} />
        <Grid>
          <Grid.Col span={{ base: 12, md: 5 }}>
            <Skeleton h={320} />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 7 }}>
            <Skeleton h={320} />
          </Grid.Col>
        </Grid>
      </Stack>
    );
  }

  const d = device.data;
  const revoked = d.status === 'revoked';
  return (
    <>
      <Anchor component={Link} to="/devices" size="sm" mb="xs" display="inline-block">
        ← Devices
      </Anchor>
      <PageHeader
        title={
          <Group gap="sm" wrap="nowrap" component="span">
            <StatusDot status={d.status} />
            <span data-testid="device-name">{d.displayName}</span>
          </Group>
        }
        actions={
          canAct && !revoked ? (
            <>
              <Button onClick={() => setDialog('run')}>Run script</Button>
              <Button variant="light" onClick={() => setDialog('logs')}>
                Collect logs
              </Button>
              <Button variant="subtle" component={Link} to={`/logs?deviceId=${d.id}`}>
                Log bundles
              </Button>
              <Button variant="default" onClick={() => setDialog('edit')}>
                Edit
              </Button>
              <Button variant="light" color="red" onClick={() => setDialog('revoke')}>
                Revoke
              </Button>
            </>
          ) : undefined
        }
      />
      {revoked && (
        <Alert color="red" variant="light" mb="md" title="This device is revoked">
          Revoked {formatDateTime(d.revokedAt)}. Its agent can no longer connect and no script can
          run on it. To manage it again, enroll it anew with a fresh enrollment token.
        </Alert>
      )}
      <Grid mb="md">
        <Grid.Col span={{ base: 12, md: 5 }}>
          <SummaryCard device={d} canAct={canAct} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <HealthCard key={d.id} device={d} />
        </Grid.Col>
      </Grid>
      <Tabs defaultValue="inventory" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="inventory">Inventory</Tabs.Tab>
          <Tabs.Tab value="software">
            Software{d.inventory ? ` (${d.inventory.softwareCount.toLocaleString()})` : ''}
          </Tabs.Tab>
          <Tabs.Tab value="runs">Run history</Tabs.Tab>
          <Tabs.Tab value="updates">Pending updates</Tabs.Tab>
          <Tabs.Tab value="checks">Checks</Tabs.Tab>
          <Tabs.Tab value="policies">Policies</Tabs.Tab>
          {canAct && !revoked && <Tabs.Tab value="live-log">Live log</Tabs.Tab>}
          <Tabs.Tab value="files">Files</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="inventory">
          <InventoryPanel device={d} />
        </Tabs.Panel>
        <Tabs.Panel value="software">
          <SoftwarePanel deviceId={d.id} hasInventory={d.inventory !== null} />
        </Tabs.Panel>
        <Tabs.Panel value="runs">
          <RunHistoryPanel device={d} />
        </Tabs.Panel>
        <Tabs.Panel value="updates">
          <PendingUpdatesPanel deviceId={d.id} />
        </Tabs.Panel>
        <Tabs.Panel value="checks">
          <ChecksPanel deviceId={d.id} />
        </Tabs.Panel>
        <Tabs.Panel value="policies">
          <PoliciesPanel deviceId={d.id} />
        </Tabs.Panel>
        {canAct && !revoked && (
          <Tabs.Panel value="live-log">
            <LiveLogPanel deviceId={d.id} online={d.status === 'online'} />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="files">
          <FilesPanel device={d} canAct={canAct} />
        </Tabs.Panel>
      </Tabs>

      {canAct && (
        <>
          <RunScriptModal
            opened={dialog === 'run'}
            onClose={() => setDialog(null)}
            target={{ deviceIds: [d.id] }}
          />
          <CollectLogsModal
            opened={dialog === 'logs'}
            onClose={() => setDialog(null)}
            presetIds={[d.id]}
          />
          {dialog === 'edit' && (
            <EditDeviceModal device={d} opened onClose={() => setDialog(null)} />
          )}
          <RevokeDevicesModal
            opened={dialog === 'revoke'}
            onClose={() => setDialog(null)}
            devices={[{ id: d.id, displayName: d.displayName, status: d.status }]}
          />
        </>
      )}
    </>
  );
}
