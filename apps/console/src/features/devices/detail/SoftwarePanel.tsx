import {
  Badge,
  Group,
  Loader,
  Pagination,
  Skeleton,
  Stack,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { EmptyState, ErrorAlert } from '../../../components/common';
import { deviceKeys, fetchSoftware } from '../api';

const PAGE_SIZE = 50;

/** The device's installed packages, searched and paged by the server. */
export function SoftwarePanel({
  deviceId,
  hasInventory,
}: {
  deviceId: string;
  hasInventory: boolean;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 300);
  const [page, setPage] = useState(1);
  const [pageFor, setPageFor] = useState(q);
  if (pageFor !== q) {
    // A new search starts again from its first page.
    setPageFor(q);
    setPage(1);
  }
  const software = useQuery({
    queryKey: [...deviceKeys.software(deviceId), { q, page }],
    queryFn: () => fetchSoftware(deviceId, { q: q || undefined, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
    enabled: hasInventory,
  });

  if (!hasInventory) {
    return (
      <EmptyState title="No software list yet">
        The agent reports installed software with its inventory, when it connects and once a day.
      </EmptyState>
    );
  }
  const data = software.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / PAGE_SIZE)) : 1;

  return (
    <Stack gap="sm" data-testid="device-software">
      <Group justify="space-between" align="flex-end">
        <TextInput
          label="Search software"
          placeholder="Package name"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.currentTarget.value)}
          maxLength={100}
          w={320}
          rightSection={software.isFetching ? <Loader size="xs" aria-label="Searching" /> : null}
        />
        {data && (
          <Text size="sm" c="dimmed" data-testid="software-total">
            {data.total.toLocaleString()} {q ? 'matching ' : ''}package{data.total === 1 ? '' : 's'}
          </Text>
        )}
      </Group>
      {software.isError && !data ? (
        <ErrorAlert error={software.error} onRetry={() => void software.refetch()} />
      ) : !data ? (
        <Stack gap={6}>
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} h={28} />
          ))}
        </Stack>
      ) : data.items.length === 0 ? (
        <EmptyState title={q ? `No package matches "${q}"` : 'No software reported'}>
          {q
            ? 'Check the spelling, or search for part of the name.'
            : 'The agent found no package manager it knows on this device.'}
        </EmptyState>
      ) : (
        <>
          <Table.ScrollContainer minWidth={600}>
            <Table striped verticalSpacing={4} fz="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={240}>Version</Table.Th>
                  <Table.Th w={110}>Source</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((s, i) => (
                  <Table.Tr
                    key={`${s.name}|${s.version}|${s.source}|${i}`}
                    data-testid="software-row"
                  >
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{s.name}</Table.Td>
                    <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                      {s.version || '—'}
                    </Table.Td>
                    <Table.Td>
                      <Badge variant="default" size="sm" tt="none">
                        {s.source}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {pages > 1 && (
            <Group justify="flex-end">
              <Pagination
                total={pages}
                value={Math.min(page, pages)}
                onChange={setPage}
                getItemProps={(p) => ({ 'aria-label': `Software page ${p}` })}
              />
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}
