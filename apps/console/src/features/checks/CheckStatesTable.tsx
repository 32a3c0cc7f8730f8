import type { AgentCheckStateResponse, Page } from '@fleetdesk/api-types';
import { Anchor, Badge, Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { RelativeTime } from '../../components/common';
import { PagedTable } from '../../components/CrudListPage';
import { shortId } from '../devices/identity';
import { KIND_LABELS, STATUS_COLOR } from './look';

/**
 * Last states, one row each, a page at a time: on a check's page a row is a device (linking
 * to it), on a device's page a row is a check (linking to it).
 */
export function CheckStatesTable({
  states,
  page,
  onPage,
  rowIs,
  empty,
}: {
  states: UseQueryResult<Page<AgentCheckStateResponse>>;
  page: number;
  onPage: (page: number) => void;
  rowIs: 'device' | 'check';
  empty: ReactNode;
}) {
  return (
    <PagedTable
      list={states}
      page={page}
      onPage={onPage}
      noun={rowIs === 'device' ? 'devices' : 'checks'}
      loadingLabel={rowIs === 'device' ? 'Loading states' : 'Loading checks'}
      empty={empty}
      testId="check-states"
      minWidth={640}
      rowKey={(s) => `${s.checkId}:${s.deviceId}`}
      rowProps={(s) => ({
        'data-testid': 'check-state-row',
        'data-status': s.status,
        'data-device-id': s.deviceId,
        'data-check-id': s.checkId,
      })}
      columns={[
        {
          header: rowIs === 'device' ? 'Device' : 'Check',
          cell: (s) =>
            rowIs === 'device' ? (
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
            ),
        },
        {
          header: 'Status',
          w: 110,
          cell: (s) => (
            <Badge color={STATUS_COLOR[s.status]} variant="light" data-testid="check-state">
              {s.status}
            </Badge>
          ),
        },
        {
          header: 'Last message',
          cell: (s) => (
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {s.message || '—'}
            </Text>
          ),
        },
        {
          header: 'Reported',
          w: 130,
          cell: (s) => (
            <Text size="sm">
              <RelativeTime iso={s.at} />
            </Text>
          ),
        },
      ]}
    />
  );
}
