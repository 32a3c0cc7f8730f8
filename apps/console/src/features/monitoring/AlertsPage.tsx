import {
  ALERT_SEVERITIES,
  ALERT_SOURCES,
  type AlertListQuery,
  type AlertResponse,
  type AlertSeverity,
} from '@fleetdesk/api-types';
import { Anchor, Badge, Button, Checkbox, Group, Loader, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { EmptyState, ErrorAlert, PageHeader, RelativeTime } from '../../components/common';
import { Paging } from '../../components/Paging';
import { notifyError, notifySuccess } from '../../lib/notify';
import {
  AlertFilters,
  type AlertFilterValues,
  STATE_FILTERS,
  type StateFilter,
} from './AlertFilters';
import { useAcknowledgeAlerts, useAlerts, useAlertsLive, useResolveAlerts } from './api';
import { SEVERITY_COLOR, sourceLabel, STATE_LOOK } from './look';

const PAGE_SIZE = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The filters live in the URL, so "open critical alerts of this device" can be linked to. */
function readFilters(params: URLSearchParams): AlertFilterValues {
  const state = params.get('state');
  const deviceId = params.get('deviceId');
  const source = params.get('source');
  return {
    state: STATE_FILTERS.some((s) => s.value === state) ? (state as StateFilter) : 'open',
    severity: (params.get('severity') ?? '')
      .split(',')
      .filter((s): s is AlertSeverity => (ALERT_SEVERITIES as readonly string[]).includes(s)),
    source: source && (ALERT_SOURCES as readonly string[]).includes(source) ? source : null,
    deviceId: deviceId && UUID.test(deviceId) ? deviceId : null,
  };
}

function AlertRow({
  a,
  canAct,
  selected,
  onToggle,
  onAcknowledge,
  busy,
}: {
  a: AlertResponse;
  canAct: boolean;
  selected: boolean;
  onToggle: () => void;
  onAcknowledge: () => void;
  busy: boolean;
}) {
  const look = STATE_LOOK[a.state];
  return (
    <Table.Tr data-testid="alert-row" data-alert-id={a.id} data-state={a.state}>
      {canAct && (
        <Table.Td>
          <Checkbox
            aria-label={`Select ${a.title}`}
            checked={selected}
            disabled={a.state === 'resolved'}
            onChange={onToggle}
          />
        </Table.Td>
      )}
      <Table.Td>
        <Badge color={SEVERITY_COLOR[a.severity]} variant="filled" size="sm">
          {a.severity}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Stack gap={2}>
          <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
            {a.title}
          </Text>
          <Text size="xs" c="dimmed" lineClamp={2} style={{ overflowWrap: 'anywhere' }}>
            {a.message}
          </Text>
          <Group gap="xs">
            <Text size="xs" c="dimmed">
              {sourceLabel(a.source)}
            </Text>
            {a.links.device && (
              <Anchor component={Link} to={a.links.device} size="xs">
                Device
              </Anchor>
            )}
            {a.links.check && (
              <Anchor component={Link} to={a.links.check} size="xs">
                Check history
              </Anchor>
            )}
            {a.muted && (
              <Badge size="xs" color="gray" variant="outline" title="Inside a maintenance window">
                muted
              </Badge>
            )}
          </Group>
        </Stack>
      </Table.Td>
      <Table.Td>
        <Badge color={look.color} variant="light" data-testid="alert-state">
          {look.label}
        </Badge>
        {a.acknowledgedBy && a.state === 'acknowledged' && (
          <Text size="xs" c="dimmed">
            by {a.acknowledgedBy.email ?? 'deleted user'}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          <RelativeTime iso={a.firedAt} />
        </Text>
        {a.resolvedAt && (
          <Text size="xs" c="dimmed">
            resolved <RelativeTime iso={a.resolvedAt} />
          </Text>
        )}
      </Table.Td>
      {canAct && (
        <Table.Td>
          {a.state === 'firing' && (
            <Button
              size="xs"
              variant="light"
              loading={busy}
              onClick={onAcknowledge}
              aria-label={`Acknowledge ${a.title}`}
            >
              Acknowledge
            </Button>
          )}
        </Table.Td>
      )}
    </Table.Tr>
  );
}

export function AlertsPage() {
  const [params, setParams] = useSearchParams();
  const filters = readFilters(params);
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const canAct = useCan('technician');
  useAlertsLive();

  const query: AlertListQuery = {
    page,
    pageSize: PAGE_SIZE,
    state: STATE_FILTERS.find((s) => s.value === filters.state)?.states,
    severity: filters.severity.length ? filters.severity : undefined,
    source: (filters.source ?? undefined) as AlertListQuery['source'],
    deviceId: filters.deviceId ?? undefined,
  };
  const alerts = useAlerts(query);
  const acknowledge = useAcknowledgeAlerts();
  const resolve = useResolveAlerts();
  const [acking, setAcking] = useState<string | null>(null);

  const setFilters = (patch: Partial<AlertFilterValues>) => {
    const next = { ...filters, ...patch };
    const out = new URLSearchParams();
    if (next.state !== 'open') out.set('state', next.state);
    if (next.severity.length) out.set('severity', next.severity.join(','));
    if (next.source) out.set('source', next.source);
    if (next.deviceId) out.set('deviceId', next.deviceId);
    setParams(out, { replace: true });
    setPage(1);
    setSelected(new Set());
  };

  const items = alerts.data?.items ?? [];
  const selectable = items.filter((a) => a.state !== 'resolved');
  const chosen = selectable.filter((a) => selected.has(a.id));
  const allChosen = selectable.length > 0 && chosen.length === selectable.length;
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const ackOne = (a: AlertResponse) => {
    setAcking(a.id);
    acknowledge.mutate([a.id], {
      onSuccess: () => notifySuccess(`Acknowledged: ${a.title}`),
      onError: (e) => notifyError(e, 'Could not acknowledge the alert'),
      onSettled: () => setAcking(null),
    });
  };
  const bulk = (kind: 'acknowledge' | 'resolve') => {
    const ids = chosen.map((a) => a.id);
    const m = kind === 'acknowledge' ? acknowledge : resolve;
    m.mutate(ids, {
      onSuccess: (r) => {
        const n = 'acknowledged' in r ? r.acknowledged.length : r.resolved.length;
        const skipped = ids.length - n;
        notifySuccess(
          `${kind === 'acknowledge' ? 'Acknowledged' : 'Resolved'} ${n} alert${n === 1 ? '' : 's'}` +
            (skipped
              ? ` (${skipped} already ${kind === 'acknowledge' ? 'acknowledged or resolved' : 'resolved'})`
              : ''),
        );
        setSelected(new Set());
      },
      onError: (e) => notifyError(e, `Could not ${kind} the alerts`),
    });
  };

  return (
    <>
      <PageHeader title="Alerts" />
      <AlertFilters value={filters} onChange={setFilters} />
      {canAct && chosen.length > 0 && (
        <Group mb="sm" gap="xs" data-testid="alert-bulk-bar">
          <Text size="sm">{chosen.length} selected</Text>
          <Button
            size="xs"
            onClick={() => bulk('acknowledge')}
            loading={acknowledge.isPending && !acking}
            disabled={!chosen.some((a) => a.state === 'firing')}
          >
            Acknowledge selected
          </Button>
          <Button
            size="xs"
            variant="light"
            color="green"
            onClick={() => bulk('resolve')}
            loading={resolve.isPending}
          >
            Resolve selected
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>
            Clear
          </Button>
        </Group>
      )}
      {alerts.isError && <ErrorAlert error={alerts.error} onRetry={() => void alerts.refetch()} />}
      {alerts.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading alerts" />
        </Group>
      )}
      {alerts.data && alerts.data.total === 0 && (
        <EmptyState title={filters.state === 'open' ? 'No open alerts' : 'No alerts match'}>
          {filters.state === 'open'
            ? 'Everything watched is fine. Alerts from website checks, offline devices and device checks show up here as they fire.'
            : 'Change the filters to see more.'}
        </EmptyState>
      )}
      {alerts.data && alerts.data.total > 0 && (
        <>
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="xs" data-testid="alerts-table">
              <Table.Thead>
                <Table.Tr>
                  {canAct && (
                    <Table.Th w={40}>
                      <Checkbox
                        aria-label="Select all open alerts on this page"
                        checked={allChosen}
                        indeterminate={chosen.length > 0 && !allChosen}
                        disabled={selectable.length === 0}
                        onChange={() =>
                          setSelected(allChosen ? new Set() : new Set(selectable.map((a) => a.id)))
                        }
                      />
                    </Table.Th>
                  )}
                  <Table.Th w={90}>Severity</Table.Th>
                  <Table.Th>Alert</Table.Th>
                  <Table.Th w={140}>State</Table.Th>
                  <Table.Th w={130}>Fired</Table.Th>
                  {canAct && <Table.Th w={130}>Actions</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((a) => (
                  <AlertRow
                    key={a.id}
                    a={a}
                    canAct={canAct}
                    selected={selected.has(a.id)}
                    onToggle={() => toggle(a.id)}
                    onAcknowledge={() => ackOne(a)}
                    busy={acking === a.id}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Paging
            page={page}
            pageSize={PAGE_SIZE}
            total={alerts.data.total}
            onPage={setPage}
            noun="alerts"
          />
        </>
      )}
    </>
  );
}
