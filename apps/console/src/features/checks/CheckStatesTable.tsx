import type { AgentCheckStateResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Table, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { RelativeTime } from '../../components/common';
import { shortId } from '../devices/identity';
import { KIND_LABELS, STATUS_COLOR } from './look';

/**
 * Last states, one row each: on a check's page a row is a device (linking to it), on a
 * device's page a row is a check (linking to it).
 */
export function CheckStatesTable({
  states,
  rowIs,
}: {
  states: AgentCheckStateResponse[];
  rowIs: 'device' | 'check';
}) {
  return (
    <Table.ScrollContainer minWidth={640}>
      <Table striped verticalSpacing="xs" data-testid="check-states">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{rowIs === 'device' ? 'Device' : 'Check'}</Table.Th>
            <Table.Th w={110}>Status</Table.Th>
            <Table.Th>Last message</Table.Th>
            <Table.Th w={130}>Reported</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {states.map((s) => (
            <Table.Tr
              key={`${s.checkId}:${s.deviceId}`}
              data-testid="check-state-row"
              data-status={s.status}
              data-device-id={s.deviceId}
              data-check-id={s.checkId}
            >
              <Table.Td>
                {rowIs === 'device' ? (
                  <Anchor component={Link} to={`/devices/${s.deviceId}`} size="sm">
                    {s.deviceName ?? `Device #${shortId(s.deviceId)} (revoked)`}
                  </Anchor>
                ) : (
                  <>
                    <Anchor component={Link} to={`/agent-checks/${s.checkId}`} size="sm">
                      {s.checkName}
                    </Anchor>
                    <Text size="xs" c="dimmed">
                      {KIND_LABELS[s.checkKind]}
                    </Text>
                  </>
                )}
              </Table.Td>
              <Table.Td>
                <Badge color={STATUS_COLOR[s.status]} variant="light" data-testid="check-state">
                  {s.status}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {s.message || '—'}
                </Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  <RelativeTime iso={s.at} />
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
