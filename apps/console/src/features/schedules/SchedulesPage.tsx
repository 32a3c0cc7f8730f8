import {
  SCHEDULE_OFFLINE_POLICY_LABELS,
  type ScheduleHistoryItem,
  type ScheduleResponse,
} from '@fleetdesk/api-types';
import { Badge, Button, Group, Loader, Modal, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { formatDateTime } from '../../lib/format';
import { jobLook } from '../jobs/states';
import { PAGE_SIZE, useScheduleHistory, useSchedules, useSetPaused } from './api';
import { ScheduleFormModal } from './ScheduleFormModal';
import { describeWhen } from './timing';

const OCCURRENCE_BADGE: Record<ScheduleHistoryItem['status'], string> = {
  fired: 'blue',
  skipped: 'gray',
  failed: 'red',
};

function HistoryTable({ schedule }: { schedule: ScheduleResponse }) {
  const [page, setPage] = useState(1);
  const history = useScheduleHistory(schedule.id, page);
  if (history.isError) return <ErrorAlert error={history.error} />;
  if (!history.data) return <Loader aria-label="Loading history" />;
  if (history.data.total === 0)
    return <Text size="sm">Nothing has fired yet. Next: {formatDateTime(schedule.nextDueAt)}</Text>;
  return (
    <>
      <Table data-testid="schedule-history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Occurrence</Table.Th>
            <Table.Th>Zone</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Devices</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {history.data.items.map((h) => {
            const look = h.job ? jobLook(h.job) : null;
            return (
              <Table.Tr key={`${h.occurrenceAt} ${h.zone}`} data-testid="schedule-history-row">
                <Table.Td>{formatDateTime(h.occurrenceAt)}</Table.Td>
                <Table.Td>{h.zone}</Table.Td>
                <Table.Td>
                  {h.job && look ? (
                    <Link to={`/jobs/${h.job.id}`}>
                      <Badge color={look.color} variant="light">
                        {look.label}
                      </Badge>
                    </Link>
                  ) : (
                    <Badge color={OCCURRENCE_BADGE[h.status]} variant="light">
                      {h.status}
                    </Badge>
                  )}
                  {h.reason && (
                    <Text size="xs" c="dimmed">
                      {h.reason}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{h.devices}</Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Paging
        page={page}
        pageSize={20}
        total={history.data.total}
        onPage={setPage}
        noun="occurrences"
      />
    </>
  );
}

function ScheduleRow({
  s,
  canWrite,
  onHistory,
}: {
  s: ScheduleResponse;
  canWrite: boolean;
  onHistory: () => void;
}) {
  const setPaused = useSetPaused();
  return (
    <Table.Tr data-testid="schedule-row" data-schedule-id={s.id}>
      <Table.Td>
        <Text size="sm" fw={500}>
          {s.name}
        </Text>
        <Text size="xs" c="dimmed">
          {describeWhen(s)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{SCHEDULE_OFFLINE_POLICY_LABELS[s.offlinePolicy]}</Text>
        {s.spreadMinutes > 0 && (
          <Text size="xs" c="dimmed">
            spread over {s.spreadMinutes} min
          </Text>
        )}
      </Table.Td>
      <Table.Td data-testid="schedule-next">
        {s.paused ? (
          <Badge color="gray" variant="light">
            Paused
          </Badge>
        ) : s.nextDueAt ? (
          <Text size="sm" title={formatDateTime(s.nextDueAt)}>
            <RelativeTime iso={s.nextDueAt} />
          </Text>
        ) : (
          <Text size="sm">Done</Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={6} wrap="nowrap">
          <Button size="xs" variant="light" onClick={onHistory}>
            History
          </Button>
          {canWrite && (
            <Button
              size="xs"
              variant="default"
              loading={setPaused.isPending}
              aria-label={`${s.paused ? 'Resume' : 'Pause'} ${s.name}`}
              onClick={() => setPaused.mutate({ id: s.id, paused: !s.paused })}
            >
              {s.paused ? 'Resume' : 'Pause'}
            </Button>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}

export function SchedulesPage() {
  const [page, setPage] = useState(1);
  const schedules = useSchedules(page);
  const canWrite = useCan('technician');
  const [creating, setCreating] = useState(false);
  const [history, setHistory] = useState<ScheduleResponse | null>(null);
  const create = canWrite ? <Button onClick={() => setCreating(true)}>New schedule</Button> : null;

  return (
    <>
      <PageHeader title="Schedules" actions={create} />
      {schedules.isError && (
        <ErrorAlert error={schedules.error} onRetry={() => void schedules.refetch()} />
      )}
      {schedules.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading schedules" />
        </Group>
      )}
      {schedules.data && schedules.data.total === 0 && (
        <EmptyState title="No schedules yet" action={create}>
          A schedule runs a script on its own: nightly clean-ups, Sunday updates, a backup.
        </EmptyState>
      )}
      {schedules.data && schedules.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table striped verticalSpacing="xs" data-testid="schedules-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Schedule</Table.Th>
                  <Table.Th>Offline devices</Table.Th>
                  <Table.Th w={140}>Next run</Table.Th>
                  <Table.Th w={180}>Actions</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {schedules.data.items.map((s) => (
                  <ScheduleRow
                    key={s.id}
                    s={s}
                    canWrite={canWrite}
                    onHistory={() => setHistory(s)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={PAGE_SIZE}
            total={schedules.data.total}
            onPage={setPage}
            noun="schedules"
          />
        </>
      )}
      <ScheduleFormModal opened={creating} onClose={() => setCreating(false)} />
      <Modal
        opened={history !== null}
        onClose={() => setHistory(null)}
        title={`History: ${history?.name ?? ''}`}
        size="lg"
      >
        {history && <HistoryTable schedule={history} />}
      </Modal>
    </>
  );
}
