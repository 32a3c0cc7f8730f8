import {
  Affix,
  Anchor,
  Button,
  Group,
  Loader,
  Pagination,
  Paper,
  Select,
  Skeleton,
  Stack,
  Text,
  Transition,
} from '@mantine/core';
import { useMediaQuery, useThrottledCallback } from '@mantine/hooks';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeviceResponse } from '@fleetdesk/api-types';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useOnReconnect, useSocketEvent } from '../../api/socket';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader } from '../../components/common';
import { UpdateAgentsModal } from '../agent-updates/UpdateAgentsModal';
import { RunScriptModal } from '../jobs/RunScriptModal';
import { AddTagsModal } from './AddTagsModal';
import { deviceKeys, fetchDevices, patchDeviceStatus } from './api';
import { DeviceFilters } from './DeviceFilters';
import { useAlertsLive, useDeviceAlertCounts } from '../monitoring/api';
import { DeviceCards } from './DeviceCards';
import { DevicesTable } from './DevicesTable';
import { hasFilters, PAGE_SIZES, toApiQuery, useDeviceListParams } from './listParams';
import { type DeviceRef, RevokeDevicesModal } from './RevokeDevicesModal';

type Dialog = 'run' | 'tag' | 'revoke' | 'update' | null;

export function DevicesPage() {
  const client = useQueryClient();
  const canAct = useCan('technician');
  const isAdmin = useCan('admin');
  const { params, update, clearFilters } = useDeviceListParams();
  const apiQuery = toApiQuery(params);
  const list = useQuery({
    queryKey: deviceKeys.list(apiQuery),
    queryFn: () => fetchDevices(apiQuery),
    placeholderData: keepPreviousData,
  });

  // Kept across pages and filters on purpose: the technician may gather devices from several
  // searches. The bar below always says how many are selected and offers to clear them.
  const [selected, setSelected] = useState<Map<string, DeviceRef>>(new Map());
  const [dialog, setDialog] = useState<Dialog>(null);

  // Status dots move in place; other changes (tags, name, inventory) refetch the page, at most
  // every few seconds however busy the fleet is.
  const refetchList = useThrottledCallback(() => {
    void client.invalidateQueries({ queryKey: deviceKeys.lists() });
  }, 5000);
  useSocketEvent('device.status', (e) => {
    patchDeviceStatus(client, e);
  });
  useSocketEvent('device.changed', (e) => {
    if (list.data?.items.some((d) => d.id === e.deviceId)) refetchList();
  });
  useOnReconnect(() => {
    void client.invalidateQueries({ queryKey: deviceKeys.lists() });
  });

  const page = list.data;
  const devices = page?.items ?? [];
  // Open alerts of the devices on this page, refetched when alerts change.
  const alertCounts = useDeviceAlertCounts(devices.map((d) => d.id));
  useAlertsLive();
  const pageCount = page ? Math.max(1, Math.ceil(page.total / page.pageSize)) : 1;
  const firstRow = page && page.total > 0 ? (page.page - 1) * page.pageSize + 1 : 0;
  const lastRow = page ? Math.min(page.total, firstRow + page.items.length - 1) : 0;

  const toggle = (d: DeviceResponse) =>
    setSelected((prev) => {
      const next = new Map(prev);
      if (next.has(d.id)) next.delete(d.id);
      else next.set(d.id, { id: d.id, displayName: d.displayName, status: d.status });
      return next;
    });
  const togglePage = (select: boolean) =>
    setSelected((prev) => {
      const next = new Map(prev);
      for (const d of devices) {
        if (select) next.set(d.id, { id: d.id, displayName: d.displayName, status: d.status });
        else next.delete(d.id);
      }
      return next;
    });
  const selection = [...selected.values()];
  // Below Mantine's `sm` (48em, 768 px) a table of eight columns is unreadable: cards instead.
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  const selectedIds = new Set(selected.keys());

  return (
    <>
      <PageHeader
        title="Devices"
        actions={
          <>
            {list.isFetching && !list.isPending && <Loader size="xs" aria-label="Updating" />}
            {isAdmin && (
              <Button variant="light" onClick={() => setDialog('update')}>
                Update agents
              </Button>
            )}
            {canAct && (
              <Button component={Link} to="/enroll" variant="light">
                Enroll a device
              </Button>
            )}
          </>
        }
      />
      <DeviceFilters params={params} onChange={update} onClear={clearFilters} />

      {list.isError && !page ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : list.isPending ? (
        <Stack gap="xs" aria-label="Loading devices">
          {Array.from({ length: 8 }, (_, i) => (
            <Skeleton key={i} h={36} />
          ))}
        </Stack>
      ) : devices.length === 0 ? (
        hasFilters(params) ? (
          <EmptyState
            title="No devices match these filters"
            action={
              <Button variant="light" onClick={clearFilters}>
                Clear filters
              </Button>
            }
          >
            Try another search, or clear the filters to see every device.
          </EmptyState>
        ) : params.page > 1 ? (
          <EmptyState
            title="This page is empty"
            action={
              <Button variant="light" onClick={() => update({ page: 1 })}>
                Go to the first page
              </Button>
            }
          />
        ) : (
          <EmptyState
            title="No devices yet"
            action={
              canAct ? (
                <Button component={Link} to="/enroll">
                  Enroll a device
                </Button>
              ) : undefined
            }
          >
            {canAct
              ? 'Enroll one: create an enrollment token and run the agent on the device.'
              : 'Ask a technician to enroll devices; they will appear here live.'}
          </EmptyState>
        )
      ) : (
        <>
          {list.isError && <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />}
          {phone ? (
            <DeviceCards
              devices={devices}
              alertCounts={alertCounts.data}
              selectable={canAct}
              selected={selectedIds}
              onToggle={toggle}
            />
          ) : (
            <DevicesTable
              devices={devices}
              alertCounts={alertCounts.data}
              sort={params.sort}
              order={params.order}
              onSort={(sort, order) => update({ sort, order })}
              selectable={canAct}
              selected={selectedIds}
              onToggle={toggle}
              onTogglePage={togglePage}
            />
          )}
          <Group justify="space-between" mt="md" mb={selected.size > 0 ? 80 : 0}>
            <Text size="sm" c="dimmed" data-testid="devices-range">
              {firstRow}–{lastRow} of {page?.total.toLocaleString()} devices
            </Text>
            <Group gap="sm">
              <Select
                aria-label="Devices per page"
                data={PAGE_SIZES.map((n) => ({ value: String(n), label: `${n} per page` }))}
                value={String(params.pageSize)}
                onChange={(v) => v && update({ pageSize: Number(v) })}
                allowDeselect={false}
                w={140}
              />
              <Pagination
                total={pageCount}
                value={Math.min(params.page, pageCount)}
                onChange={(p) => update({ page: p })}
                getControlProps={(control) => ({
                  'aria-label': `${control} page`,
                })}
                getItemProps={(p) => ({ 'aria-label': `Page ${p}` })}
              />
            </Group>
          </Group>
        </>
      )}

      {canAct && (
        <Affix position={{ bottom: 20, left: 0, right: 0 }} zIndex={150}>
          <Transition mounted={selected.size > 0} transition="slide-up">
            {(style) => (
              <Group justify="center" style={style}>
                <Paper shadow="md" withBorder p="sm" mx="xs" radius="md" data-testid="bulk-actions">
                  <Group gap="sm" justify="center">
                    <Text size="sm" fw={600} data-testid="selection-count">
                      {selected.size} selected
                    </Text>
                    <Button size="xs" onClick={() => setDialog('run')}>
                      Run script
                    </Button>
                    <Button size="xs" variant="light" onClick={() => setDialog('tag')}>
                      Add tag
                    </Button>
                    <Button
                      size="xs"
                      variant="light"
                      color="red"
                      onClick={() => setDialog('revoke')}
                    >
                      Revoke
                    </Button>
                    <Anchor component="button" size="sm" onClick={() => setSelected(new Map())}>
                      Clear selection
                    </Anchor>
                  </Group>
                </Paper>
              </Group>
            )}
          </Transition>
        </Affix>
      )}

      {isAdmin && (
        <UpdateAgentsModal
          opened={dialog === 'update'}
          onClose={() => setDialog(null)}
          presetIds={selected.size > 0 ? [...selected.keys()] : undefined}
        />
      )}
      {canAct && (
        <>
          <RunScriptModal
            opened={dialog === 'run'}
            onClose={() => setDialog(null)}
            target={{ deviceIds: [...selected.keys()] }}
          />
          <AddTagsModal
            opened={dialog === 'tag'}
            onClose={() => setDialog(null)}
            devices={selection}
          />
          <RevokeDevicesModal
            opened={dialog === 'revoke'}
            onClose={() => setDialog(null)}
            devices={selection}
            onDone={(ids) =>
              setSelected((prev) => {
                const next = new Map(prev);
                ids.forEach((id) => next.delete(id));
                return next;
              })
            }
          />
        </>
      )}
    </>
  );
}
