import { Card, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { diskFreeBytes, type DeviceDetail } from '@fleetdesk/api-types';
import type { ReactNode } from 'react';
import { EmptyState, RelativeTime } from '../../../components/common';
import { formatBytes, formatDateTime } from '../../../lib/format';
import { platformLabel } from '../health';

/** A label/value list; values are agent-reported text, rendered as text only. */
export function Facts({ rows }: { rows: [string, ReactNode][] }) {
  return (
    <Table variant="vertical" layout="fixed" withRowBorders={false} verticalSpacing={4}>
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th w={140} fw={500} c="dimmed" fz="sm" bg="transparent">
              {label}
            </Table.Th>
            <Table.Td fz="sm" style={{ overflowWrap: 'anywhere' }}>
              {value === '' || value === null || value === undefined ? '—' : value}
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** Reports of this device the server could not store (and dropped), so a technician sees it. */
function RejectedReports({ device }: { device: DeviceDetail }) {
  const n = device.rejectedReports;
  if (n === 0) return null;
  return (
    <Text size="sm" c="orange" data-testid="device-rejected-reports">
      {n.toLocaleString()} {n === 1 ? 'report' : 'reports'} from this device could not be stored and{' '}
      {n === 1 ? 'was' : 'were'} dropped
      {device.lastRejectedAt && (
        <>
          {' '}
          (last <RelativeTime iso={device.lastRejectedAt} />)
        </>
      )}
      ; the server log names each one.
    </Text>
  );
}

/** Hardware, OS, disks, network and users, as of the agent's latest inventory report. */
export function InventoryPanel({ device }: { device: DeviceDetail }) {
  const inv = device.inventory;
  if (!inv) {
    return (
      <Stack gap="md">
        <RejectedReports device={device} />
        <EmptyState title="No inventory yet">
          The agent sends its inventory when it connects and once a day.{' '}
          {device.status === 'online'
            ? 'It should appear in a moment.'
            : 'It will appear once the device is online.'}
        </EmptyState>
      </Stack>
    );
  }
  const usage = new Map((device.metrics?.disks ?? []).map((d) => [d.mount, d]));

  return (
    <Stack gap="md" data-testid="device-inventory">
      <Text size="xs" c="dimmed">
        Reported by the agent {formatDateTime(inv.collectedAt)} (
        <RelativeTime iso={inv.collectedAt} />)
      </Text>
      <RejectedReports device={device} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Card withBorder>
          <Title order={5} mb="xs">
            Operating system
          </Title>
          <Facts
            rows={[
              ['Name', inv.os.distro],
              ['Platform', `${platformLabel(inv.os.platform)} (${inv.os.platform})`],
              ['Release', inv.os.release],
              ['Kernel', inv.os.kernel],
              ['Architecture', inv.os.arch],
              ['Hostname', inv.hostname],
              ['Agent version', device.agentVersion],
            ]}
          />
        </Card>
        <Card withBorder>
          <Title order={5} mb="xs">
            Hardware
          </Title>
          <Facts
            rows={[
              ['CPU', inv.cpu.model],
              ['Cores', inv.cpu.cores > 0 ? String(inv.cpu.cores) : 'unknown'],
              ['Memory', formatBytes(inv.memoryBytes)],
              ['Disks', `${inv.disks.length}`],
              ['Software', `${inv.softwareCount.toLocaleString()} packages`],
            ]}
          />
        </Card>
      </SimpleGrid>

      <Card withBorder>
        <Title order={5} mb="xs">
          Disks
        </Title>
        {inv.disks.length === 0 ? (
          <Text size="sm" c="dimmed">
            No disks reported.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing={4} fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Mount</Table.Th>
                  <Table.Th>Device</Table.Th>
                  <Table.Th>File system</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Free</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {inv.disks.map((d) => {
                  const u = usage.get(d.mount);
                  return (
                    <Table.Tr key={`${d.device}|${d.mount}`}>
                      <Table.Td ff="monospace">{d.mount}</Table.Td>
                      <Table.Td ff="monospace">{d.device}</Table.Td>
                      <Table.Td>{d.fsType}</Table.Td>
                      <Table.Td>{formatBytes(d.sizeBytes)}</Table.Td>
                      <Table.Td>{u ? formatBytes(diskFreeBytes(u)) : '—'}</Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>

      <Card withBorder>
        <Title order={5} mb="xs">
          Network
        </Title>
        {inv.network.length === 0 ? (
          <Text size="sm" c="dimmed">
            No network interfaces reported.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing={4} fz="sm" data-testid="device-network">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Interface</Table.Th>
                  <Table.Th>MAC</Table.Th>
                  <Table.Th>IPv4</Table.Th>
                  <Table.Th>IPv6</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {inv.network.map((n) => (
                  <Table.Tr key={`${n.name}|${n.mac}`}>
                    <Table.Td>{n.name}</Table.Td>
                    <Table.Td ff="monospace">{n.mac}</Table.Td>
                    <Table.Td ff="monospace">{n.ipv4.join(', ') || '—'}</Table.Td>
                    <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                      {n.ipv6.join(', ') || '—'}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>

      <Card withBorder>
        <Title order={5} mb="xs">
          Logged-in users
        </Title>
        {inv.users.length === 0 ? (
          <Text size="sm" c="dimmed">
            Nobody was logged in when the inventory was taken.
          </Text>
        ) : (
          <Table verticalSpacing={4} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User</Table.Th>
                <Table.Th>Terminal</Table.Th>
                <Table.Th>Since</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {inv.users.map((u, i) => (
                <Table.Tr key={`${u.name}|${u.tty ?? ''}|${i}`}>
                  <Table.Td>{u.name}</Table.Td>
                  <Table.Td ff="monospace">{u.tty ?? '—'}</Table.Td>
                  <Table.Td>
                    {u.loginAt ? formatDateTime(new Date(u.loginAt).toISOString()) : '—'}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Card>
    </Stack>
  );
}
