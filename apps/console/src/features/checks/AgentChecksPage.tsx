import type { AgentCheckResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyState, ErrorAlert, PageHeader } from '../../components/common';
import { Paging } from '../../components/Paging';
import { notifySuccess } from '../../lib/notify';
import { fetchGroups, groupsKey } from '../devices/api';
import { SEVERITY_COLOR } from '../monitoring/look';
import { CHECKS_PAGE_SIZE, useAgentChecks, useDeleteAgentCheck } from './api';
import { AgentCheckFormModal } from './AgentCheckFormModal';
import { checkSubject, KIND_LABELS, targetSummary } from './look';

/** The checks agents run on their devices: list, create, edit, delete. */
export function AgentChecksPage() {
  const [page, setPage] = useState(1);
  const checks = useAgentChecks(page);
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups });
  const groupName = (id: string) => groups.data?.find((g) => g.id === id)?.name ?? 'gone';
  const canWrite = useCan('technician');
  const [editing, setEditing] = useState<AgentCheckResponse | 'new' | null>(null);
  const [deleting, setDeleting] = useState<AgentCheckResponse | null>(null);
  const remove = useDeleteAgentCheck();
  const create = canWrite ? (
    <Button onClick={() => setEditing('new')}>New agent check</Button>
  ) : null;

  return (
    <>
      <PageHeader title="Agent checks" actions={create} />
      {checks.isError && <ErrorAlert error={checks.error} onRetry={() => void checks.refetch()} />}
      {checks.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading agent checks" />
        </Group>
      )}
      {checks.data && checks.data.total === 0 && (
        <EmptyState title="No agent checks yet" action={create}>
          Agents check their own device — disk, CPU and memory thresholds, services, processes,
          ping, TCP ports, Nagios-style scripts — and alert when one fails.
          {!canWrite && ' A technician sets them up.'}
        </EmptyState>
      )}
      {checks.data && checks.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing="xs" data-testid="agent-checks-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Check</Table.Th>
                  <Table.Th w={150}>Kind</Table.Th>
                  <Table.Th>Runs on</Table.Th>
                  <Table.Th w={100}>Severity</Table.Th>
                  {canWrite && <Table.Th w={160}>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {checks.data.items.map((c) => (
                  <Table.Tr key={c.id} data-testid="agent-check-row" data-check-id={c.id}>
                    <Table.Td>
                      <Stack gap={0}>
                        <Group gap={6}>
                          <Anchor component={Link} to={`/agent-checks/${c.id}`} fw={500} size="sm">
                            {c.name}
                          </Anchor>
                          {!c.enabled && (
                            <Badge color="gray" variant="light" size="sm">
                              Disabled
                            </Badge>
                          )}
                        </Group>
                        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                          {checkSubject(c)}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{KIND_LABELS[c.kind]}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{targetSummary(c, groupName)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge color={SEVERITY_COLOR[c.severity]} variant="light">
                        {c.severity}
                      </Badge>
                    </Table.Td>
                    {canWrite && (
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          <Button size="xs" variant="light" onClick={() => setEditing(c)}>
                            Edit
                          </Button>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            onClick={() => setDeleting(c)}
                            aria-label={`Delete ${c.name}`}
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
            pageSize={CHECKS_PAGE_SIZE}
            total={checks.data.total}
            onPage={setPage}
            noun="checks"
          />
        </>
      )}
      <AgentCheckFormModal
        opened={editing !== null}
        check={editing === 'new' ? null : editing}
        onClose={() => setEditing(null)}
      />
      <ConfirmModal
        opened={deleting !== null}
        title={`Delete ${deleting?.name ?? ''}?`}
        confirmLabel="Delete check"
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
        The agents stop running it, and its open alerts resolve.
      </ConfirmModal>
    </>
  );
}
