import { SERVER_LOCATION, type WebsiteCheckLocation } from '@fleetdesk/api-types';
import { Anchor, Badge, Button, Card, Loader, Table, Text, Title } from '@mantine/core';
import { Link } from 'react-router-dom';
import { ErrorAlert, RelativeTime } from '../../components/common';
import { useCheckLocations } from './api';
import { OUTCOME_COLOR } from './look';

/** The `location` filter value of a location. */
export const locationKey = (l: Pick<WebsiteCheckLocation, 'deviceId'>) =>
  l.deviceId ?? SERVER_LOCATION;

/**
 * Each place a website check runs from (the server, then its devices), with its latest state;
 * choosing one shows its response times in the chart.
 */
export function LocationsCard({
  checkId,
  intervalSeconds,
  selected,
  onSelect,
}: {
  checkId: string;
  intervalSeconds: number;
  selected: string;
  onSelect: (location: string, name: string) => void;
}) {
  const locations = useCheckLocations(checkId, intervalSeconds);
  if (locations.isError) return <ErrorAlert error={locations.error} />;
  if (!locations.data) return <Loader aria-label="Loading locations" />;
  const { items, devices } = locations.data;
  return (
    <Card withBorder mb="md">
      <Title order={4} mb="sm">
        Locations
      </Title>
      <Table data-testid="check-locations">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Seen from</Table.Th>
            <Table.Th>Latest</Table.Th>
            <Table.Th>Time</Table.Th>
            <Table.Th>Checked</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((l) => {
            const key = locationKey(l);
            return (
              <Table.Tr key={key} data-testid="check-location" data-location={key}>
                <Table.Td>
                  {l.deviceId ? (
                    <Anchor component={Link} to={`/devices/${l.deviceId}`} size="sm">
                      {l.name}
                    </Anchor>
                  ) : (
                    <Text size="sm">{l.name}</Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {l.lastOutcome ? (
                    <Badge color={OUTCOME_COLOR[l.lastOutcome]} variant="light">
                      {l.lastOutcome}
                      {l.statusCode !== null && ` · HTTP ${l.statusCode}`}
                    </Badge>
                  ) : (
                    <Badge color="gray" variant="outline">
                      No result yet
                    </Badge>
                  )}
                  {l.message && (
                    <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
                      {l.message}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs">{l.latencyMs === null ? '—' : `${l.latencyMs} ms`}</Text>
                </Table.Td>
                <Table.Td>
                  <RelativeTime iso={l.lastCheckedAt} />
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-xs"
                    variant={selected === key ? 'filled' : 'default'}
                    aria-pressed={selected === key}
                    onClick={() => onSelect(key, l.name)}
                  >
                    Chart
                  </Button>
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      {devices > items.length - 1 && (
        <Text size="xs" c="dimmed" mt="xs">
          {items.length - 1} of {devices} devices listed.
        </Text>
      )}
    </Card>
  );
}
