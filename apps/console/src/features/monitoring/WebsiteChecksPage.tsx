import type { WebsiteCheckResponse } from '@fleetdesk/api-types';
import { Anchor, Badge, Button, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { ConfirmModal } from '../../components/ConfirmModal';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { notifySuccess } from '../../lib/notify';
import { CHECKS_PAGE_SIZE, useDeleteWebsiteCheck, useWebsiteChecks } from './api';
import { OUTCOME_COLOR } from './look';
import { WebsiteCheckFormModal } from './WebsiteCheckFormModal';

export function OutcomeBadge({ c }: { c: WebsiteCheckResponse }) {
  if (!c.enabled)
    return (
      <Badge color="gray" variant="light">
        Disabled
      </Badge>
    );
  if (!c.lastOutcome)
    return (
      <Badge color="gray" variant="outline">
        Not run yet
      </Badge>
    );
  return (
    <Badge color={OUTCOME_COLOR[c.lastOutcome]} variant="light" data-testid="check-outcome">
      {c.lastOutcome}
    </Badge>
  );
}

export function WebsiteChecksPage() {
  const [page, setPage] = useState(1);
  const checks = useWebsiteChecks(page);
  const canWrite = useCan('admin');
  const [editing, setEditing] = useState<WebsiteCheckResponse | 'new' | null>(null);
  const [deleting, setDeleting] = useState<WebsiteCheckResponse | null>(null);
  const remove = useDeleteWebsiteCheck();
  const create = canWrite ? (
    <Button onClick={() => setEditing('new')}>New website check</Button>
  ) : null;

  return (
    <>
      <PageHeader title="Website checks" actions={create} />
      {checks.isError && <ErrorAlert error={checks.error} onRetry={() => void checks.refetch()} />}
      {checks.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading website checks" />
        </Group>
      )}
      {checks.data && checks.data.total === 0 && (
        <EmptyState title="No website checks yet" action={create}>
          The server fetches a URL on a schedule and alerts when it fails, slows down or its
          certificate nears expiry.{!canWrite && ' An administrator sets them up.'}
        </EmptyState>
      )}
      {checks.data && checks.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing="xs" data-testid="checks-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Check</Table.Th>
                  <Table.Th w={120}>Last result</Table.Th>
                  <Table.Th w={120}>Checked</Table.Th>
                  <Table.Th w={110}>Every</Table.Th>
                  {canWrite && <Table.Th w={160}>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {checks.data.items.map((c) => (
                  <Table.Tr key={c.id} data-testid="check-row" data-check-id={c.id}>
                    <Table.Td>
                      <Stack gap={0}>
                        <Anchor component={Link} to={`/website-checks/${c.id}`} fw={500} size="sm">
                          {c.name}
                        </Anchor>
                        <Text
                          size="xs"
                          c="dimmed"
                          ff="monospace"
                          style={{ overflowWrap: 'anywhere' }}
                        >
                          {c.url}
                        </Text>
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <OutcomeBadge c={c} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">
                        <RelativeTime iso={c.lastCheckedAt} />
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm">{c.intervalSeconds} s</Text>
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
      <WebsiteCheckFormModal
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
        Its results go with it, and its open alert resolves.
      </ConfirmModal>
    </>
  );
}
