import { Badge, Button, Group, Loader, Stack, Switch, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useCan } from '../../../auth/auth';
import { EmptyState, ErrorAlert, RelativeTime } from '../../../components/common';
import { notifySuccess } from '../../../lib/notify';
import { fetchDevicePatches, softwareKeys, useApplyUpdates } from '../../software/api';

/** A device's pending updates, and a button that deploys them as a job. */
export function PendingUpdatesPanel({ deviceId }: { deviceId: string }) {
  const canApply = useCan('technician');
  const navigate = useNavigate();
  const [securityOnly, setSecurityOnly] = useState(false);
  const status = useQuery({
    queryKey: softwareKeys.devicePatches(deviceId),
    queryFn: () => fetchDevicePatches(deviceId),
  });
  const apply = useApplyUpdates();

  if (status.isError)
    return <ErrorAlert error={status.error} onRetry={() => void status.refetch()} />;
  const data = status.data;
  if (!data) return <Loader aria-label="Loading pending updates" />;
  if (data.reportedAt === null) {
    return (
      <EmptyState title="No update report yet">
        The agent lists pending updates with its inventory; agents older than this feature do not.
      </EmptyState>
    );
  }
  const total = (data.securityCount ?? 0) + (data.otherCount ?? 0);
  return (
    <Stack gap="sm" data-testid="pending-updates">
      <Group justify="space-between" align="center">
        <Text size="sm">
          {total === 0
            ? 'Up to date.'
            : `${data.securityCount ?? 0} security and ${data.otherCount ?? 0} other updates pending.`}{' '}
          {data.rebootRequired ? 'A reboot is required. ' : ''}
          Reported <RelativeTime iso={data.reportedAt} />
          {data.lastUpdateRunAt && (
            <>
              ; last update run <RelativeTime iso={data.lastUpdateRunAt} />
            </>
          )}
          .
        </Text>
        {canApply && (
          <Group>
            <Switch
              label="Security updates only"
              checked={securityOnly}
              onChange={(e) => setSecurityOnly(e.currentTarget.checked)}
            />
            <Button
              loading={apply.isPending}
              disabled={total === 0 || (securityOnly && (data.securityCount ?? 0) === 0)}
              onClick={() =>
                apply.mutate(
                  { deviceId, securityOnly },
                  {
                    onSuccess: (job) => {
                      notifySuccess('Update job created');
                      void navigate(`/jobs/${job.id}`);
                    },
                  },
                )
              }
            >
              Apply updates
            </Button>
          </Group>
        )}
      </Group>
      {apply.isError && <ErrorAlert error={apply.error} />}
      {data.pending.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped verticalSpacing={4} fz="sm">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Package</Table.Th>
                <Table.Th>Installed</Table.Th>
                <Table.Th>Available</Table.Th>
                <Table.Th w={110}>Manager</Table.Th>
                <Table.Th w={110}>Kind</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {data.pending.map((u, i) => (
                <Table.Tr key={`${u.manager}|${u.name}|${i}`} data-testid="pending-update-row">
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{u.name}</Table.Td>
                  <Table.Td ff="monospace">{u.current ?? '—'}</Table.Td>
                  <Table.Td ff="monospace">{u.available || '—'}</Table.Td>
                  <Table.Td>{u.manager}</Table.Td>
                  <Table.Td>
                    {u.security === true ? (
                      <Badge color="red" variant="light">
                        Security
                      </Badge>
                    ) : u.security === false ? (
                      'Other'
                    ) : (
                      <Text size="sm" c="dimmed">
                        not told
                      </Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
