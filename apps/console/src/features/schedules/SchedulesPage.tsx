import {
  SCHEDULE_OFFLINE_POLICY_LABELS,
  type ScheduleHistoryItem,
  type ScheduleResponse,
} from '@fleetdesk/api-types';
import { Badge, Button, Loader, Modal, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { ErrorAlert, RelativeTime } from '../../components/common';
import { CrudListPage } from '../../components/CrudListPage';
import { Paging } from '../../components/Paging';
import { formatDateTime } from '../../lib/format';
import { jobLook } from '../jobs/states';
import { useScheduleHistory, useSchedules, useSetPaused } from './api';
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

function PauseButton({ s }: { s: ScheduleResponse }) {
  const setPaused = useSetPaused();
  return (
    <Button
      size="xs"
      variant="default"
      loading={setPaused.isPending}
      aria-label={`${s.paused ? 'Resume' : 'Pause'} ${s.name}`}
      onClick={() => setPaused.mutate({ id: s.id, paused: !s.paused })}
    >
      {s.paused ? 'Resume' : 'Pause'}
    </Button>
  );
}

export function SchedulesPage() {
  const canWrite = useCan('technician');
  const [history, setHistory] = useState<ScheduleResponse | null>(null);

  return (
    <CrudListPage<ScheduleResponse>
      title="Schedules"
      createLabel="New schedule"
      canWrite={canWrite}
      editable={false}
      useList={useSchedules}
      noun="schedules"
      emptyText="A schedule runs a script on its own: nightly clean-ups, Sunday updates, a backup."
      testId="schedules-table"
      minWidth={760}
      rowProps={(s) => ({ 'data-testid': 'schedule-row', 'data-schedule-id': s.id })}
      columns={[
        {
          header: 'Schedule',
          cell: (s) => (
            <>
              <Text size="sm" fw={500}>
                {s.name}
              </Text>
              <Text size="xs" c="dimmed">
                {describeWhen(s)}
              </Text>
            </>
          ),
        },
        {
          header: 'Offline devices',
          cell: (s) => (
            <>
              <Text size="sm">{SCHEDULE_OFFLINE_POLICY_LABELS[s.offlinePolicy]}</Text>
              {s.spreadMinutes > 0 && (
                <Text size="xs" c="dimmed">
                  spread over {s.spreadMinutes} min
                </Text>
              )}
            </>
          ),
        },
        {
          header: 'Next run',
          w: 140,
          testId: 'schedule-next',
          cell: (s) =>
            s.paused ? (
              <Badge color="gray" variant="light">
                Paused
              </Badge>
            ) : s.nextDueAt ? (
              <Text size="sm" title={formatDateTime(s.nextDueAt)}>
                <RelativeTime iso={s.nextDueAt} />
              </Text>
            ) : (
              <Text size="sm">Done</Text>
            ),
        },
      ]}
      actionsWidth={180}
      rowActions={(s) => (
        <>
          <Button size="xs" variant="light" onClick={() => setHistory(s)}>
            History
          </Button>
          {canWrite && <PauseButton s={s} />}
        </>
      )}
      form={ScheduleFormModal}
    >
      <Modal
        opened={history !== null}
        onClose={() => setHistory(null)}
        title={`History: ${history?.name ?? ''}`}
        size="lg"
      >
        {history && <HistoryTable schedule={history} />}
      </Modal>
    </CrudListPage>
  );
}
