import {
  Anchor,
  Autocomplete,
  Badge,
  Button,
  Group,
  Loader,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  PAGE_SIZE_DEFAULT,
  softwareNamesProblem,
  type SoftwareDevicesQuery,
  type SoftwarePresence,
} from '@fleetdesk/api-types';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, StatusDot } from '../../components/common';
import { Paging } from '../../components/Paging';
import { fetchSoftwareDevices, fetchSoftwareNames, softwareCsvUrl, softwareKeys } from './api';

const PRESENCE_LABELS: { value: SoftwarePresence; label: string }[] = [
  { value: 'installed', label: 'Have it' },
  { value: 'missing', label: 'Missing it' },
  { value: 'outdated', label: 'Older version' },
];

const OS_CHOICES = [
  { value: '', label: 'Any OS' },
  { value: 'linux', label: 'Linux' },
  { value: 'win32', label: 'Windows' },
  { value: 'darwin', label: 'macOS' },
];

/** Fleet software search: who has a package, who lacks it, who runs an older version. */
export function SoftwareSearchPage() {
  const canExport = useCan('technician');
  const [names, setNames] = useState('');
  const [presence, setPresence] = useState<SoftwarePresence>('installed');
  const [os, setOs] = useState('');
  const [version, setVersion] = useState('');
  const [prefix, setPrefix] = useState(false);
  const [page, setPage] = useState(1);
  const [debouncedNames] = useDebouncedValue(names.trim(), 300);
  const [debouncedVersion] = useDebouncedValue(version.trim(), 300);

  const problem = debouncedNames ? softwareNamesProblem(debouncedNames) : null;
  const filters: Omit<SoftwareDevicesQuery, 'page' | 'pageSize'> = {
    name: debouncedNames,
    match: prefix ? 'prefix' : 'exact',
    presence,
    os: os || undefined,
    version: presence !== 'missing' && debouncedVersion ? debouncedVersion : undefined,
  };
  const query: SoftwareDevicesQuery = { ...filters, page, pageSize: PAGE_SIZE_DEFAULT };
  const devices = useQuery({
    queryKey: softwareKeys.devices(query),
    queryFn: () => fetchSoftwareDevices(query),
    placeholderData: keepPreviousData,
    enabled: debouncedNames !== '' && problem === null,
  });
  // Suggestions for the name being typed (the last of a comma-separated list).
  const typing = names.split(',').at(-1)?.trim() ?? '';
  const [debouncedTyping] = useDebouncedValue(typing, 250);
  const suggestions = useQuery({
    queryKey: softwareKeys.names(debouncedTyping),
    queryFn: () => fetchSoftwareNames(debouncedTyping),
    enabled: debouncedTyping.length >= 2,
  });
  const before = names.includes(',') ? `${names.slice(0, names.lastIndexOf(',') + 1)} ` : '';
  const setFilter =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setPage(1);
    };

  const data = debouncedNames && !problem ? devices.data : undefined;
  return (
    <>
      <PageHeader
        title="Software"
        actions={
          canExport && data && data.total > 0 ? (
            <Button component="a" href={softwareCsvUrl(filters)} variant="default" download>
              Export CSV
            </Button>
          ) : null
        }
      />
      <Stack gap="sm" mb="md">
        <Group align="flex-end" wrap="wrap">
          <Autocomplete
            label="Package names"
            description="One title often has a name per package manager: separate them with commas"
            placeholder="7zip.7zip, p7zip-full"
            value={names}
            onChange={setFilter(setNames)}
            data={(suggestions.data?.names ?? []).map((n) => `${before}${n}`)}
            error={problem}
            w={420}
            maxLength={2000}
          />
          <Select
            label="OS"
            data={OS_CHOICES}
            value={os}
            onChange={(v) => setFilter(setOs)(v ?? '')}
            allowDeselect={false}
            w={140}
          />
          <TextInput
            label="Version"
            placeholder="Any version"
            value={version}
            onChange={(e) => setFilter(setVersion)(e.currentTarget.value)}
            disabled={presence === 'missing'}
            maxLength={128}
            w={160}
          />
        </Group>
        <Group>
          <SegmentedControl
            aria-label="Devices that"
            data={PRESENCE_LABELS}
            value={presence}
            onChange={(v) => setFilter(setPresence)(v)}
          />
          <SegmentedControl
            aria-label="Name match"
            data={[
              { value: 'exact', label: 'Exact name' },
              { value: 'prefix', label: 'Starts with' },
            ]}
            value={prefix ? 'prefix' : 'exact'}
            onChange={(v) => setFilter(setPrefix)(v === 'prefix')}
          />
          {devices.isFetching && <Loader size="xs" aria-label="Searching" />}
        </Group>
        {data && data.newest.length > 0 && (
          <Text size="sm" c="dimmed" data-testid="software-newest">
            Newest in the fleet: {data.newest.map((n) => `${n.version} (${n.source})`).join(', ')}
          </Text>
        )}
      </Stack>

      {!debouncedNames ? (
        <EmptyState title="Search the fleet's software">
          Type a package name to see which devices have it, which lack it, and which run an older
          version than the newest one in the fleet.
        </EmptyState>
      ) : problem ? null : devices.isError && !data ? (
        <ErrorAlert error={devices.error} onRetry={() => void devices.refetch()} />
      ) : !data ? (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading devices" />
        </Group>
      ) : data.items.length === 0 ? (
        <EmptyState title="No device matches">
          {presence === 'installed'
            ? 'No device reports a package by that name. Check the spelling, or try "Starts with".'
            : presence === 'missing'
              ? 'Every device that reported its inventory has it.'
              : 'Every device that has it runs the newest version.'}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={640}>
            <Table striped fz="sm" data-testid="software-devices">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Device</Table.Th>
                  <Table.Th w={120}>OS</Table.Th>
                  <Table.Th>Versions</Table.Th>
                  <Table.Th w={120}>Source</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((d) => (
                  <Table.Tr key={d.deviceId} data-testid="software-device-row">
                    <Table.Td>
                      <Group gap="xs" wrap="nowrap">
                        <StatusDot status={d.status} />
                        <Anchor component={Link} to={`/devices/${d.deviceId}`}>
                          {d.name}
                        </Anchor>
                      </Group>
                    </Table.Td>
                    <Table.Td>{d.osPlatform ?? '—'}</Table.Td>
                    <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                      {d.versions.join(', ') || '—'}
                    </Table.Td>
                    <Table.Td>
                      {d.sources.map((s) => (
                        <Badge key={s} variant="default" size="sm" tt="none">
                          {s}
                        </Badge>
                      ))}
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
