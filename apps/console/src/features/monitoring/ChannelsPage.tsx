import type { ChannelResponse } from '@fleetdesk/api-types';
import { Badge, Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { CrudListPage } from '../../components/CrudListPage';
import { notifyError, notifySuccess } from '../../lib/notify';
import { useChannels, useDeleteChannel, useTestChannel } from './api';
import { ChannelFormModal } from './ChannelFormModal';
import { DeliveriesTable } from './DeliveriesTable';
import { CHANNEL_KIND_LABELS, SEVERITY_COLOR } from './look';

function routingSummary(c: ChannelResponse): string {
  const parts = [`${c.routing.minSeverity} and above`];
  if (c.routing.groupIds.length) parts.push(`${c.routing.groupIds.length} group(s)`);
  if (c.routing.tags.length) parts.push(`tags ${c.routing.tags.join(', ')}`);
  if (c.digestSeconds > 0) parts.push(`digest ${c.digestSeconds} s`);
  return parts.join(' · ');
}

/** Sends one test message now; its delivery shows in the channel's history. */
function SendTestButton({ c, onSent }: { c: ChannelResponse; onSent: () => void }) {
  const test = useTestChannel();
  const sendTest = () =>
    test.mutate(c.id, {
      onSuccess: (d) => {
        const last = d.attempts[d.attempts.length - 1];
        if (d.status === 'delivered') notifySuccess(`Test message delivered to ${c.name}`);
        else
          notifyError(
            new Error(last?.error ?? `status ${d.status}`),
            `The test message to ${c.name} failed`,
          );
        onSent();
      },
      onError: (e) => notifyError(e, 'Could not send the test message'),
    });
  return (
    <Button
      size="xs"
      variant="light"
      loading={test.isPending}
      onClick={sendTest}
      aria-label={`Send test to ${c.name}`}
    >
      Send test
    </Button>
  );
}

/** Admins only (the server refuses the routes to others): where alerts are sent. */
export function ChannelsPage() {
  const [history, setHistory] = useState<ChannelResponse | null>(null);
  const remove = useDeleteChannel();

  return (
    <CrudListPage<ChannelResponse>
      title="Notification channels"
      createLabel="New channel"
      canWrite
      useList={useChannels}
      noun="channels"
      emptyText="Alerts reach people through channels: a webhook, Slack, Microsoft Teams or email, each with the severities, groups and tags it hears."
      testId="channels-table"
      minWidth={860}
      rowProps={(c) => ({ 'data-testid': 'channel-row', 'data-channel-id': c.id })}
      columns={[
        {
          header: 'Channel',
          cell: (c) => (
            <>
              <Text size="sm" fw={500}>
                {c.name}
              </Text>
              <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                {c.kind === 'email' ? c.emailTo.join(', ') : c.url}
              </Text>
            </>
          ),
        },
        {
          header: 'Kind',
          w: 150,
          cell: (c) => (
            <>
              <Text size="sm">{CHANNEL_KIND_LABELS[c.kind]}</Text>
              {!c.enabled && (
                <Badge color="gray" size="xs">
                  disabled
                </Badge>
              )}
            </>
          ),
        },
        {
          header: 'Hears',
          cell: (c) => (
            <Group gap={4}>
              <Badge size="xs" color={SEVERITY_COLOR[c.routing.minSeverity]} variant="dot">
                {routingSummary(c)}
              </Badge>
            </Group>
          ),
        },
      ]}
      actionsWidth={330}
      rowActions={(c) => (
        <>
          <SendTestButton c={c} onSent={() => setHistory(c)} />
          <Button size="xs" variant="default" onClick={() => setHistory(c)}>
            Deliveries
          </Button>
        </>
      )}
      form={ChannelFormModal}
      remove={{
        mutation: remove,
        confirmLabel: 'Delete channel',
        consequence: 'Its delivery history goes with it; alerts stop reaching it at once.',
      }}
    >
      <Modal
        opened={history !== null}
        onClose={() => setHistory(null)}
        title={`Deliveries: ${history?.name ?? ''}`}
        size="xl"
      >
        <Stack>{history && <DeliveriesTable channel={history} />}</Stack>
      </Modal>
    </CrudListPage>
  );
}
