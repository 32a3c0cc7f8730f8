import type { DeviceAlertCount, DeviceResponse } from '@fleetdesk/api-types';
import { Anchor, Card, Checkbox, Group, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { RelativeTime, StatusDot } from '../../components/common';
import { AlertCount, TagBadges } from './DevicesTable';
import { deviceIdentity } from './identity';

/**
 * The devices list on a phone: one card per device instead of a table nobody can read at
 * 390 px. Same rows, test ids and selection as the table.
 */
export function DeviceCards({
  devices,
  alertCounts,
  selectable,
  selected,
  onToggle,
}: {
  devices: DeviceResponse[];
  /** Open alerts by device id; undefined while loading. */
  alertCounts?: ReadonlyMap<string, DeviceAlertCount>;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onToggle: (device: DeviceResponse) => void;
}) {
  return (
    <Stack gap="xs" data-testid="devices-cards">
      {devices.map((d) => (
        <Card
          key={d.id}
          withBorder
          padding="xs"
          data-testid="device-row"
          data-device-id={d.id}
          data-status={d.status}
          bg={selected.has(d.id) ? 'var(--mantine-primary-color-light)' : undefined}
        >
          <Group gap="xs" wrap="nowrap" align="flex-start">
            {selectable && (
              <Checkbox
                mt={2}
                aria-label={`Select ${d.displayName}`}
                checked={selected.has(d.id)}
                onChange={() => onToggle(d)}
              />
            )}
            <Stack gap={2} style={{ minWidth: 0, flex: 1 }}>
              <Group gap={6} wrap="nowrap">
                <StatusDot status={d.status} />
                <Anchor
                  component={Link}
                  to={`/devices/${d.id}`}
                  fw={600}
                  size="sm"
                  style={{ overflowWrap: 'anywhere' }}
                >
                  {d.displayName}
                </Anchor>
                {alertCounts?.has(d.id) && (
                  <AlertCount deviceId={d.id} count={alertCounts.get(d.id)} />
                )}
              </Group>
              {d.name && d.name !== d.hostname && (
                <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                  {d.hostname}
                </Text>
              )}
              <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                {deviceIdentity(d)}
              </Text>
              <Group gap="xs" justify="space-between">
                <TagBadges tags={d.tags} />
                <Text size="xs" c="dimmed">
                  {d.group ? `${d.group.name} · ` : ''}
                  {d.status === 'online' ? 'online now' : <RelativeTime iso={d.lastSeenAt} />}
                </Text>
              </Group>
            </Stack>
          </Group>
        </Card>
      ))}
    </Stack>
  );
}
