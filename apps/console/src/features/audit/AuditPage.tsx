import type { AuditEventResponse, Page } from '@fleetdesk/api-types';
import { Button, Group, Loader, Pagination, Select, Stack, Table, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router-dom';
import { get } from '../../api/client';
import { EmptyState, ErrorAlert, PageHeader, visuallyHidden } from '../../components/common';
import { AuditFilters } from './AuditFilters';
import { AuditRow } from './AuditRow';
import {
  DEFAULT_PAGE_SIZE,
  FILTER_KEYS,
  type FilterKey,
  hasFilters,
  PAGE_SIZES,
  readView,
  toQuery,
} from './audit-params';

export function AuditPage() {
  const [params, setParams] = useSearchParams();
  const view = readView(params);
  const query = toQuery(view);
  const events = useQuery({
    queryKey: ['audit', query],
    queryFn: () => get<Page<AuditEventResponse>>('/audit', { ...query }),
    placeholderData: keepPreviousData,
  });

  /** Filter edits replace the history entry: typing should not fill the back button. */
  const update = (changes: Record<string, string | undefined>, replace: boolean) =>
    setParams(
      () => {
        // Not the updater's argument: react-router hands it the params of the last render,
        // which two quick edits (From, then Until) would both start from. The URL is current.
        const next = new URLSearchParams(window.location.search);
        for (const [key, value] of Object.entries(changes)) {
          if (value) next.set(key, value);
          else next.delete(key);
        }
        return next;
      },
      { replace },
    );

  const setFilters = (changes: Partial<Record<FilterKey, string>>, replace: boolean) =>
    update({ ...changes, page: '' }, replace);
  const clearFilters = () =>
    update(Object.fromEntries([...FILTER_KEYS, 'page'].map((k) => [k, ''])), false);
  const setPage = (page: number) => update({ page: page === 1 ? '' : String(page) }, false);
  const setPageSize = (size: string) =>
    update({ pageSize: size === String(DEFAULT_PAGE_SIZE) ? '' : size, page: '' }, false);

  const data = events.data;
  const pages = data ? Math.max(1, Math.ceil(data.total / view.pageSize)) : 1;
  const first = data && data.total > 0 ? (view.page - 1) * view.pageSize + 1 : 0;
  const last = data ? Math.min(data.total, view.page * view.pageSize) : 0;

  return (
    <>
      <PageHeader
        title="Audit log"
        actions={
          <Button
            variant="default"
            onClick={() => void events.refetch()}
            loading={events.isFetching && !events.isPending}
          >
            Refresh
          </Button>
        }
      />
      <Text size="sm" c="dimmed" mb="md">
        Every change made in Fleetdesk and every sign-in, newest first. Open a row to see exactly
        what was recorded.
      </Text>
      <AuditFilters
        view={view}
        onChange={(key, value) => setFilters({ [key]: value }, true)}
        onRange={(since, until) => setFilters({ since, until }, false)}
        onClear={clearFilters}
      />

      {events.isError && <ErrorAlert error={events.error} onRetry={() => void events.refetch()} />}
      {events.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading audit events" />
        </Group>
      )}
      {data && data.items.length === 0 && (
        <EmptyState
          title={
            hasFilters(view)
              ? 'No audit events match these filters'
              : view.page > 1
                ? 'No events on this page'
                : 'Nothing has been recorded yet'
          }
          action={
            hasFilters(view) ? (
              <Button variant="light" onClick={clearFilters}>
                Clear filters
              </Button>
            ) : view.page > 1 ? (
              <Button variant="light" onClick={() => setPage(1)}>
                Go to the first page
              </Button>
            ) : undefined
          }
        >
          {hasFilters(view)
            ? 'Widen the time range or remove a filter. Actions match exactly unless they end in .* (users.* matches every user action).'
            : undefined}
        </EmptyState>
      )}
      {data && data.items.length > 0 && (
        <Stack gap="sm">
          <Table.ScrollContainer minWidth={900}>
            <Table
              verticalSpacing="xs"
              highlightOnHover
              data-testid="audit-table"
              aria-busy={events.isFetching}
              style={{ opacity: events.isPlaceholderData ? 0.6 : 1 }}
            >
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={44}>
                    <span style={visuallyHidden}>Details</span>
                  </Table.Th>
                  <Table.Th w={180}>Time</Table.Th>
                  <Table.Th>Actor</Table.Th>
                  <Table.Th w={200}>Action</Table.Th>
                  <Table.Th w={230}>Target</Table.Th>
                  <Table.Th w={140}>Source IP</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.items.map((event) => (
                  <AuditRow
                    key={event.id}
                    event={event}
                    // A deliberate narrowing, unlike typing: Back undoes it.
                    onFilter={(changes) => setFilters(changes, false)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group justify="space-between" wrap="wrap">
            <Text size="sm" c="dimmed" data-testid="audit-range">
              {first}–{last} of {data.total}
            </Text>
            <Group gap="sm">
              <Select
                aria-label="Events per page"
                w={110}
                size="xs"
                allowDeselect={false}
                data={PAGE_SIZES.map((s) => ({ value: s, label: `${s} / page` }))}
                value={String(view.pageSize)}
                onChange={(v) => v && setPageSize(v)}
              />
              <Pagination
                total={pages}
                value={Math.min(view.page, pages)}
                onChange={setPage}
                siblings={1}
                boundaries={1}
                aria-label="Audit log pages"
              />
            </Group>
          </Group>
        </Stack>
      )}
    </>
  );
}
