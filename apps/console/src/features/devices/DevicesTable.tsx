import {
  Anchor,
  Badge,
  Checkbox,
  Group,
  Stack,
  Table,
  Text,
  Tooltip,
  UnstyledButton,
} from '@mantine/core';
import type { DeviceAlertCount, DeviceResponse, DeviceSort, SortOrder } from '@fleetdesk/api-types';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { RelativeTime, StatusDot } from '../../components/common';
import { OutdatedBadge } from './badges';
import { osLabel } from './health';
import { lanAddress, shortId } from './identity';

const TAGS_SHOWN = 3;

function SortHeader({
  label,
  field,
  sort,
  order,
  onSort,
  w,
}: {
  label: string;
  field: DeviceSort;
  sort: DeviceSort;
  order: SortOrder;
  onSort: (field: DeviceSort, order: SortOrder) => void;
  w?: number;
}) {
  const active = sort === field;
  return (
    <Table.Th w={w} aria-sort={active ? (order === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton
        onClick={() => onSort(field, active && order === 'asc' ? 'desc' : 'asc')}
        fw={700}
        fz="sm"
        aria-label={`Sort by ${label.toLowerCase()}`}
      >
        <Group gap={4} wrap="nowrap">
          {label}
          <Text span size="xs" c={active ? undefined : 'dimmed'} aria-hidden>
            {active ? (order === 'asc' ? '▲' : '▼') : '↕'}
          </Text>
        </Group>
      </UnstyledButton>
    </Table.Th>
  );
}

export function TagBadges({ tags, max = TAGS_SHOWN }: { tags: string[]; max?: number }): ReactNode {
  if (tags.length === 0)
    return (
      <Text c="dimmed" size="sm">
        —
      </Text>
    );
  const rest = tags.slice(max);
  return (
    <Group gap={4} wrap="wrap">
      {tags.slice(0, max).map((t) => (
        <Badge key={t} variant="outline" size="sm" tt="none">
          {t}
        </Badge>
      ))}
      {rest.length > 0 && (
        <Tooltip label={rest.join(', ')} multiline maw={300}>
          <Badge variant="default" size="sm" tt="none" tabIndex={0}>
            +{rest.length}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

const ALERT_COLOR = { info: 'blue', warning: 'yellow', critical: 'red' } as const;

/** The open alerts of a device, linking to them in the inbox. */
export function AlertCount({
  deviceId,
  count,
}: {
  deviceId: string;
  count: DeviceAlertCount | undefined;
}) {
  if (!count)
    return (
      <Text size="sm" c="dimmed" data-testid="device-alerts" data-count={0}>
        —
      </Text>
    );
  return (
    <Anchor component={Link} to={`/alerts?deviceId=${deviceId}`} underline="never">
      <Badge
        color={ALERT_COLOR[count.severity]}
        variant="filled"
        size="sm"
        data-testid="device-alerts"
        data-count={count.open}
        title={`${count.open} open alert${count.open === 1 ? '' : 's'}, worst ${count.severity}`}
      >
        {count.open}
      </Badge>
    </Anchor>
  );
}

/** One page of devices. Selection checkboxes appear only for users who can act on them. */
export function DevicesTable({
  devices,
  alertCounts,
  sort,
  order,
  onSort,
  selectable,
  selected,
  onToggle,
  onTogglePage,
}: {
  devices: DeviceResponse[];
  /** Open alerts by device id; undefined while loading. */
  alertCounts?: ReadonlyMap<string, DeviceAlertCount>;
  sort: DeviceSort;
  order: SortOrder;
  onSort: (field: DeviceSort, order: SortOrder) => void;
  selectable: boolean;
  selected: ReadonlySet<string>;
  onToggle: (device: DeviceResponse) => void;
  onTogglePage: (select: boolean) => void;
}) {
  const selectedOnPage = devices.filter((d) => selected.has(d.id)).length;
  const allOnPage = devices.length > 0 && selectedOnPage === devices.length;
  const sortProps = { sort, order, onSort };

  return (
    <Table.ScrollContainer minWidth={980}>
      <Table highlightOnHover verticalSpacing="xs" data-testid="devices-table">
        <Table.Thead>
          <Table.Tr>
            {selectable && (
              <Table.Th w={40}>
                <Checkbox
                  aria-label="Select all devices on this page"
                  checked={allOnPage}
                  indeterminate={selectedOnPage > 0 && !allOnPage}
                  onChange={() => onTogglePage(!allOnPage)}
                />
              </Table.Th>
            )}
            <SortHeader label="Status" field="status" w={90} {...sortProps} />
            <SortHeader label="Name" field="name" {...sortProps} />
            <Table.Th w={70}>Alerts</Table.Th>
            <SortHeader label="OS" field="os" w={190} {...sortProps} />
            <Table.Th w={150}>LAN address</Table.Th>
            <Table.Th w={190}>Tags</Table.Th>
            <Table.Th w={130}>Group</Table.Th>
            <SortHeader label="Last seen" field="lastSeenAt" w={120} {...sortProps} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {devices.map((d) => (
            <Table.Tr
              key={d.id}
              data-testid="device-row"
              data-device-id={d.id}
              data-status={d.status}
              bg={selected.has(d.id) ? 'var(--mantine-primary-color-light)' : undefined}
            >
              {selectable && (
                <Table.Td>
                  <Checkbox
                    aria-label={`Select ${d.displayName}`}
                    checked={selected.has(d.id)}
                    onChange={() => onToggle(d)}
                  />
                </Table.Td>
              )}
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <StatusDot status={d.status} />
                  <Text size="sm" c="dimmed">
                    {d.status}
                  </Text>
                  {d.outdated && <OutdatedBadge />}
                </Group>
              </Table.Td>
              <Table.Td>
                <Stack gap={0}>
                  <Anchor
                    component={Link}
                    to={`/devices/${d.id}`}
                    fw={500}
                    size="sm"
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    {d.displayName}
                  </Anchor>
                  <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                    {d.name && d.name !== d.hostname ? `${d.hostname} · ` : ''}#{shortId(d.id)}
                  </Text>
                </Stack>
              </Table.Td>
              <Table.Td>
                <AlertCount deviceId={d.id} count={alertCounts?.get(d.id)} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1} title={osLabel(d.os)}>
                  {osLabel(d.os)}
                </Text>
                <Text size="xs" c="dimmed">
                  {d.os.platform} · {d.os.arch}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                  {lanAddress(d) ?? '—'}
                </Text>
                {d.lastIp && d.lastIp !== lanAddress(d) && (
                  <Text
                    size="xs"
                    c="dimmed"
                    ff="monospace"
                    title="The address the agent connected from"
                    style={{ overflowWrap: 'anywhere' }}
                  >
                    via {d.lastIp}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <TagBadges tags={d.tags} />
              </Table.Td>
              <Table.Td>
                <Text size="sm" lineClamp={1}>
                  {d.group?.name ?? '—'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {d.status === 'online' ? 'now' : <RelativeTime iso={d.lastSeenAt} />}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
