import type { PolicyResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Button, Group, Loader, Modal, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { notifySuccess } from '../../lib/notify';
import { PAGE_SIZE, useDeletePolicy, usePolicies } from './api';
import { PolicyFormModal } from './PolicyFormModal';

function Attachments({ p }: { p: PolicyResponse }) {
  return (
    <Group gap={4}>
      {p.target.groups.map((g) => (
        <Badge key={g.id} variant="light" style={{ textTransform: 'none' }}>
          group {g.name}
        </Badge>
      ))}
      {p.target.tags.map((t) => (
        <Badge key={t} variant="outline" style={{ textTransform: 'none' }}>
          tag {t}
        </Badge>
      ))}
    </Group>
  );
}

function ScheduleList({ p }: { p: PolicyResponse }) {
  if (p.schedules.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No schedules
      </Text>
    );
  return (
    <Stack gap={2}>
      {p.schedules.map((s) => (
        <Text key={s.id} size="sm">
          {s.name}{' '}
          <Text span size="xs" c="dimmed">
            {s.paused ? '(paused)' : s.nextDueAt ? <RelativeTime iso={s.nextDueAt} /> : '(done)'}
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

function CheckList({ p }: { p: PolicyResponse }) {
  if (p.checks.length === 0) return null;
  return (
    <Stack gap={2} mt={4} data-testid="policy-checks">
      {p.checks.map((c) => (
        <Text key={c.id} size="sm">
          <Anchor component={Link} to={`/agent-checks/${c.id}`} size="sm">
            {c.name}
          </Anchor>{' '}
          <Text span size="xs" c="dimmed">
            (check{c.enabled ? '' : ', disabled'})
          </Text>
        </Text>
      ))}
    </Stack>
  );
}

export function PoliciesPage() {
  const [page, setPage] = useState(1);
  const policies = usePolicies(page);
  const canWrite = useCan('technician');
  const [editing, setEditing] = useState<PolicyResponse | 'new' | null>(null);
  const [deleting, setDeleting] = useState<PolicyResponse | null>(null);
  const remove = useDeletePolicy();
  const create = canWrite ? <Button onClick={() => setEditing('new')}>New policy</Button> : null;

  return (
    <>
      <PageHeader title="Automation policies" actions={create} />
      {policies.isError && (
        <ErrorAlert error={policies.error} onRetry={() => void policies.refetch()} />
      )}
      {policies.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading policies" />
        </Group>
      )}
      {policies.data && policies.data.total === 0 && (
        <EmptyState title="No automation policies yet" action={create}>
          A policy bundles schedules and attaches them to groups and tags: every device there, now
          or later, inherits them.
        </EmptyState>
      )}
      {policies.data && policies.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing="xs" data-testid="policies-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Policy</Table.Th>
                  <Table.Th>Attached to</Table.Th>
                  <Table.Th>Schedules (next run) and checks</Table.Th>
                  {canWrite && <Table.Th w={160}>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {policies.data.items.map((p) => (
                  <Table.Tr key={p.id} data-testid="policy-row" data-policy-id={p.id}>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {p.name}
                      </Text>
                      {p.description && (
                        <Text size="xs" c="dimmed" lineClamp={2}>
                          {p.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Attachments p={p} />
                    </Table.Td>
                    <Table.Td>
                      <ScheduleList p={p} />
                      <CheckList p={p} />
                    </Table.Td>
                    {canWrite && (
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <Button size="xs" variant="light" onClick={() => setEditing(p)}>
                            Edit
                          </Button>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            aria-label={`Delete ${p.name}`}
                            onClick={() => setDeleting(p)}
                          >
                            Delete
                          </Button>
                        </Group>
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={PAGE_SIZE}
            total={policies.data.total}
            onPage={setPage}
            noun="policies"
          />
        </>
      )}
      <PolicyFormModal
        opened={editing !== null}
        policy={editing === 'new' ? null : editing}
        onClose={() => setEditing(null)}
      />
      <Modal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete policy “${deleting?.name ?? ''}”?`}
      >
        <Stack>
          <Text size="sm">
            Its devices stop inheriting its schedules. The schedules themselves stay, and keep
            running on their own targets.
          </Text>
          {remove.isError && <ErrorAlert error={remove.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setDeleting(null)}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={remove.isPending}
              onClick={() =>
                deleting &&
                remove.mutate(deleting.id, {
                  onSuccess: () => {
                    notifySuccess(`Policy “${deleting.name}” deleted.`);
                    setDeleting(null);
                  },
                })
              }
            >
              Delete
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
