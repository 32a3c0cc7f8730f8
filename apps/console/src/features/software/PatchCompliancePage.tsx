import {
  Anchor,
  Badge,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Switch,
  Table,
  Text,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { PAGE_SIZE_DEFAULT, type PatchComplianceQuery } from '@fleetdesk/api-types';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import {
  EmptyState,
  ErrorAlert,
  PageHeader,
  RelativeTime,
  StatusDot,
} from '../../components/common';
import { Paging } from '../../components/Paging';
import { fetchPatchCompliance, softwareKeys } from './api';

const OS_CHOICES = [
  { value: '', label: 'Any OS' },
  { value: 'linux', label: 'Linux' },
  { value: 'win32', label: 'Windows' },
  { value: 'darwin', label: 'macOS' },
];

function Stat({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Text size="xl" fw={700} data-testid={testId}>
        {value.toLocaleString()}
      </Text>
    </div>
  );
}

/** The fleet by exposure: most pending security updates first. */
export function PatchCompliancePage() {
  const [os, setOs] = useState('');
  const [pendingOnly, setPendingOnly] = useState(false);
  const [page, setPage] = useState(1);
  const query: PatchComplianceQuery = {
    os: os || undefined,
    pendingOnly: pendingOnly || undefined,
    page,
    pageSize: PAGE_SIZE_DEFAULT,
  };
  const fleet = useQuery({
    queryKey: softwareKeys.patches(query),
    queryFn: () => fetchPatchCompliance(query),
    placeholderData: keepPreviousData,
  });
  const data = fleet.data;

  return (
    <>
      <PageHeader title="Patch compliance" />
      {data && (
        <SimpleGrid cols={{ base: 2, sm: 4 }} mb="md">
          <Stat label="Reporting" value={data.summary.reporting} testId="patch-reporting" />
          <Stat
            label="With security updates"
            value={data.summary.withSecurity}
            testId="patch-with-security"
          />
          <Stat
            label="With any update"
            value={data.summary.withPending}
            testId="patch-with-pending"
          />
          <Stat label="Reboot required" value={data.summary.rebootRequired} testId="patch-reboot" />
        </SimpleGrid>
      )}
      <Group mb="md" align="flex-end">
        <Select
          label="OS"
          data={OS_CHOICES}
          value={os}
          onChange={(v) => {
            setOs(v ?? '');
            setPage(1);
          }}
          allowDeselect={false}
          w={140}
        />
        <Switch
          label="Only devices with pending updates"
          checked={pendingOnly}
          onChange={(e) => {
            setPendingOnly(e.currentTarget.checked);
            setPage(1);
          }}
        />
        {fleet.isFetching && <Loader size="xs" aria-label="Loading" />}
      </Group>
      {fleet.isError && !data ? (
        <ErrorAlert error={fleet.error} onRetry={() => void fleet.refetch()} />
      ) : !data ? (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading patch compliance" />
        </Group>
      ) : data.items.length === 0 ? (
        <EmptyState title={pendingOnly ? 'Nothing pending' : 'No devices'}>
          {pendingOnly
            ? 'No device reports a pending update.'
            : 'Enroll devices to see their pending updates here.'}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={720}>
            <Table striped fz="sm" data-testid="patch-devices">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Device</Table.Th>
                  <Table.Th w={110}>Security</Table.Th>
                  <Table.Th w={110}>Other</Table.Th>
                  <Table.Th w={110}>Reboot</Table.Th>
                  <Table.Th w={160}>Last update run</Table.Th>
                  <Table.Th w={140}>Reported</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((d) => (
                  <Table.Tr key={d.deviceId} data-testid="patch-device-row">
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <StatusDot status={d.status} />
                        <Anchor component={Link} to={`/devices/${d.deviceId}`}>
                          {d.name}
                        </Anchor>
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      {d.securityCount === null ? (
                        <Text c="dimmed" size="sm">
                          not reported
                        </Text>
                      ) : (
                        <Badge color={d.securityCount > 0 ? 'red' : 'green'} variant="light">
                          {d.securityCount}
                        </Badge>
                      )}
                    </Table.Td>
                    <Table.Td>{d.otherCount ?? '—'}</Table.Td>
                    <Table.Td>
                      {d.rebootRequired === null ? '—' : d.rebootRequired ? 'Required' : 'No'}
                    </Table.Td>
                    <Table.Td>
                      {d.lastUpdateRunAt ? <RelativeTime iso={d.lastUpdateRunAt} /> : 'Never'}
                    </Table.Td>
                    <Table.Td>
                      <RelativeTime iso={d.reportedAt} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={PAGE_SIZE_DEFAULT}
            total={data.total}
            onPage={setPage}
            noun="devices"
          />
        </>
      )}
    </>
  );
}
