import {
  Anchor,
  Button,
  Card,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { SERVER_LOCATION } from '@fleetdesk/api-types';
import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useCan } from '../../auth/auth';
import { ErrorAlert, Fact, PageHeader, RelativeTime } from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { useAlerts, useAlertsLive, useCheckResults, useWebsiteCheck } from './api';
import { CertExpiry } from './CertExpiry';
import { LocationsCard } from './LocationsCard';
import { OUTCOME_COLOR, SEVERITY_COLOR, STATE_LOOK } from './look';
import { ResponseTimeChart } from './ResponseTimeChart';
import { WebsiteCheckFormModal } from './WebsiteCheckFormModal';
import { OutcomeBadge } from './WebsiteChecksPage';

const CHART_POINTS = 200;

/** A check's settings, response times, certificate and alerts: where an alert's link leads. */
export function WebsiteCheckDetailPage() {
  const { id = '' } = useParams();
  const check = useWebsiteCheck(id);
  // The chart and the table show one location at a time: the server's, or a device's.
  const [location, setLocation] = useState({ key: SERVER_LOCATION, name: 'Server' });
  const results = useCheckResults(id, CHART_POINTS, check.data?.intervalSeconds, location.key);
  const alerts = useAlerts({ checkId: id, page: 1, pageSize: 10 });
  const canWrite = useCan('admin');
  const [editing, setEditing] = useState(false);
  useAlertsLive();

  if (check.isError) return <ErrorAlert error={check.error} onRetry={() => void check.refetch()} />;
  if (!check.data) return <Loader aria-label="Loading the check" />;
  const c = check.data;
  const fromDevices =
    c.runFrom.deviceIds.length + c.runFrom.groupIds.length + c.runFrom.tags.length > 0;
  const items = results.data?.items ?? [];
  const latest = items.find((r) => r.certExpiresAt);
  const measured = items.filter((r) => r.latencyMs !== null).map((r) => r.latencyMs!);
  const avg = measured.length
    ? Math.round(measured.reduce((a, b) => a + b, 0) / measured.length)
    : null;

  return (
    <>
      <PageHeader
        title={c.name}
        actions={
          <>
            <Anchor component={Link} to="/website-checks" size="sm">
              All website checks
            </Anchor>
            {canWrite && <Button onClick={() => setEditing(true)}>Edit</Button>}
          </>
        }
      />
      <Card withBorder mb="md">
        <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }}>
          <Fact label="URL">
            <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
              {c.url}
            </Text>
          </Fact>
          <Fact label={fromDevices ? 'Last result (server)' : 'Last result'}>
            <OutcomeBadge c={c} />
          </Fact>
          <Fact label="Checked">
            <RelativeTime iso={c.lastCheckedAt} />
          </Fact>
          <Fact label="Average response">
            {avg === null ? '—' : `${avg} ms`}
            {c.latencyLimitMs !== null && ` (limit ${c.latencyLimitMs} ms)`}
          </Fact>
          <Fact label="Certificate">
            {c.url.startsWith('https:') ? (
              <CertExpiry at={latest?.certExpiresAt ?? null} warnDays={c.certWarnDays} />
            ) : (
              'plain http'
            )}
          </Fact>
          <Fact label="Expects">
            HTTP {c.expectedStatus}, every {c.intervalSeconds} s
          </Fact>
        </SimpleGrid>
      </Card>
      {fromDevices && (
        <LocationsCard
          checkId={c.id}
          intervalSeconds={c.intervalSeconds}
          selected={location.key}
          onSelect={(key, name) => setLocation({ key, name })}
        />
      )}
      <Card withBorder mb="md">
        <Title order={4} mb="sm" data-testid="chart-title">
          Response time{fromDevices && ` from ${location.name}`}
        </Title>
        {results.isError ? (
          <ErrorAlert error={results.error} />
        ) : !results.data ? (
          <Loader aria-label="Loading results" />
        ) : (
          <ResponseTimeChart results={items} latencyLimitMs={c.latencyLimitMs} />
        )}
      </Card>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder>
          <Title order={4} mb="sm">
            Recent results
          </Title>
          <Table data-testid="check-results">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>When</Table.Th>
                <Table.Th>Outcome</Table.Th>
                <Table.Th>Time</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.slice(0, 15).map((r) => (
                <Table.Tr key={r.at}>
                  <Table.Td>
                    <Text size="xs">{formatDateTime(r.at)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs" c={OUTCOME_COLOR[r.outcome]}>
                      {r.outcome}
                      {r.statusCode !== null && ` · HTTP ${r.statusCode}`}
                    </Text>
                    {r.message && (
                      <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                        {r.message}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{r.latencyMs === null ? '—' : `${r.latencyMs} ms`}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder>
          <Group justify="space-between" mb="sm">
            <Title order={4}>Alerts</Title>
            <Anchor component={Link} to="/alerts?state=all" size="xs">
              Alerts inbox
            </Anchor>
          </Group>
          {alerts.data?.items.length === 0 && (
            <Text size="sm" c="dimmed">
              This check has not raised an alert.
            </Text>
          )}
          <Stack gap={6}>
            {alerts.data?.items.map((a) => (
              <Group key={a.id} justify="space-between" wrap="nowrap">
                <Text size="sm" lineClamp={1} c={SEVERITY_COLOR[a.severity]}>
                  {a.message}
                </Text>
                <Text size="xs" c={STATE_LOOK[a.state].color} style={{ whiteSpace: 'nowrap' }}>
                  {STATE_LOOK[a.state].label} · <RelativeTime iso={a.firedAt} />
                </Text>
              </Group>
            ))}
          </Stack>
        </Card>
      </SimpleGrid>
      <WebsiteCheckFormModal opened={editing} item={c} onClose={() => setEditing(false)} />
    </>
  );
}
