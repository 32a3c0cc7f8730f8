import type { ChannelResponse } from '@fleetdesk/api-types';
import { Badge, Loader, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { ErrorAlert, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { formatDateTime } from '../../lib/format';
import { useDeliveries } from './api';
import { DELIVERY_COLOR } from './look';

/** A channel's deliveries, newest first, each with every attempt and why it failed. */
export function DeliveriesTable({ channel }: { channel: ChannelResponse }) {
  const [page, setPage] = useState(1);
  const deliveries = useDeliveries(channel.id, page);
  if (deliveries.isError) return <ErrorAlert error={deliveries.error} />;
  if (!deliveries.data) return <Loader aria-label="Loading deliveries" />;
  if (deliveries.data.total === 0)
    return <Text size="sm">Nothing sent yet. Use “Send test” to try the channel.</Text>;
  return (
    <>
      <Table data-testid="deliveries-table" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Message</Table.Th>
            <Table.Th w={110}>Status</Table.Th>
            <Table.Th>Attempts</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {deliveries.data.items.map((d) => (
            <Table.Tr key={d.id} data-testid="delivery-row" data-status={d.status}>
              <Table.Td>
                <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {d.test && (
                    <Badge size="xs" variant="outline" mr={4}>
                      test
                    </Badge>
                  )}
                  {d.summary}
                </Text>
                <Text size="xs" c="dimmed">
                  <RelativeTime iso={d.createdAt} />
                  {d.events > 1 && ` · digest of ${d.events} changes`}
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge color={DELIVERY_COLOR[d.status]} variant="light">
                  {d.status}
                </Badge>
                {d.nextAttemptAt && d.status !== 'delivered' && (
                  <Text size="xs" c="dimmed">
                    retry {formatDateTime(d.nextAttemptAt)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Stack gap={2}>
                  {d.attempts.map((a, i) => (
                    <Text
                      key={`${a.at}-${i}`}
                      size="xs"
                      c={a.ok ? 'green' : 'red'}
                      data-testid="delivery-attempt"
                      style={{ overflowWrap: 'anywhere' }}
                    >
                      {formatDateTime(a.at)}: {a.ok ? 'ok' : 'failed'}
                      {a.code !== null && ` (${a.code})`} in {a.durationMs} ms
                      {a.error && ` — ${a.error}`}
                    </Text>
                  ))}
                </Stack>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Paging
        page={page}
        pageSize={10}
        total={deliveries.data.total}
        onPage={setPage}
        noun="deliveries"
      />
    </>
  );
}
