import type { ChannelResponse } from '@fleetdesk/api-types';
import { Badge, Button, Group, Loader, Modal, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyState, ErrorAlert, PageHeader } from '../../components/common';
import { Paging } from '../../components/Paging';
import { notifyError, notifySuccess } from '../../lib/notify';
import { CHANNELS_PAGE_SIZE, useChannels, useDeleteChannel, useTestChannel } from './api';
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

function ChannelRow({
  c,
  onEdit,
  onDelete,
  onHistory,
}: {
  c: ChannelResponse;
  onEdit: () => void;
  onDelete: () => void;
  onHistory: () => void;
}) {
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
        onHistory();
      },
      onError: (e) => notifyError(e, 'Could not send the test message'),
    });
  return (
    <Table.Tr data-testid="channel-row" data-channel-id={c.id}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {c.name}
        </Text>
        <Text size="xs" c="dimmed" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {c.kind === 'email' ? c.emailTo.join(', ') : c.url}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{CHANNEL_KIND_LABELS[c.kind]}</Text>
        {!c.enabled && (
          <Badge color="gray" size="xs">
            disabled
          </Badge>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={4}>
          <Badge size="xs" color={SEVERITY_COLOR[c.routing.minSeverity]} variant="dot">
            {routingSummary(c)}
          </Badge>
        </Group>
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Button
            size="xs"
            variant="light"
            loading={test.isPending}
            onClick={sendTest}
            aria-label={`Send test to ${c.name}`}
          >
            Send test
          </Button>
          <Button size="xs" variant="default" onClick={onHistory}>
            Deliveries
          </Button>
          <Button size="xs" variant="default" onClick={onEdit}>
            Edit
          </Button>
          <Button size="xs" variant="subtle" color="red" onClick={onDelete}>
            Delete
          </Button>
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

/** Admins only (the server refuses the routes to others): where alerts are sent. */
export function ChannelsPage() {
  const [page, setPage] = useState(1);
  const channels = useChannels(page);
  const [editing, setEditing] = useState<ChannelResponse | 'new' | null>(null);
  const [deleting, setDeleting] = useState<ChannelResponse | null>(null);
  const [history, setHistory] = useState<ChannelResponse | null>(null);
  const remove = useDeleteChannel();
  const create = <Button onClick={() => setEditing('new')}>New channel</Button>;

  return (
    <>
      <PageHeader title="Notification channels" actions={create} />
      {channels.isError && (
        <ErrorAlert error={channels.error} onRetry={() => void channels.refetch()} />
      )}
      {channels.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading channels" />
        </Group>
      )}
      {channels.data && channels.data.total === 0 && (
        <EmptyState title="No notification channels yet" action={create}>
          Alerts reach people through channels: a webhook, Slack, Microsoft Teams or email, each
          with the severities, groups and tags it hears.
        </EmptyState>
      )}
      {channels.data && channels.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={860}>
            <Table striped verticalSpacing="xs" data-testid="channels-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Channel</Table.Th>
                  <Table.Th w={150}>Kind</Table.Th>
                  <Table.Th>Hears</Table.Th>
                  <Table.Th w={330}>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {channels.data.items.map((c) => (
                  <ChannelRow
                    key={c.id}
                    c={c}
                    onEdit={() => setEditing(c)}
                    onDelete={() => setDeleting(c)}
                    onHistory={() => setHistory(c)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={CHANNELS_PAGE_SIZE}
            total={channels.data.total}
            onPage={setPage}
            noun="channels"
          />
        </>
      )}
      <ChannelFormModal
        opened={editing !== null}
        channel={editing === 'new' ? null : editing}
        onClose={() => setEditing(null)}
      />
      <Modal
        opened={history !== null}
        onClose={() => setHistory(null)}
        title={`Deliveries: ${history?.name ?? ''}`}
        size="xl"
      >
        <Stack>{history && <DeliveriesTable channel={history} />}</Stack>
      </Modal>
      <ConfirmModal
        opened={deleting !== null}
        title={`Delete ${deleting?.name ?? ''}?`}
        confirmLabel="Delete channel"
        loading={remove.isPending}
        error={remove.error}
        onClose={() => {
          setDeleting(null);
          remove.reset();
        }}
        onConfirm={() =>
          deleting &&
          remove.mutate(deleting.id, {
            onSuccess: () => {
              notifySuccess(`Deleted ${deleting.name}`);
              setDeleting(null);
            },
          })
        }
      >
        Its delivery history goes with it; alerts stop reaching it at once.
      </ConfirmModal>
    </>
  );
}
