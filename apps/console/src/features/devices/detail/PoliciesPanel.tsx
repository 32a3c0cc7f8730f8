import { describePolicyMatch } from '@fleetdesk/api-types';
import { Anchor, Badge, Card, Group, Loader, Stack, Text } from '@mantine/core';
import { Link } from 'react-router-dom';
import { EmptyState, ErrorAlert, RelativeTime } from '../../../components/common';
import { useDevicePolicies } from '../../policies/api';

/** The automation policies a device inherits, why (which group or tag), and what they run. */
export function PoliciesPanel({ deviceId }: { deviceId: string }) {
  const policies = useDevicePolicies(deviceId);
  if (policies.isError)
    return <ErrorAlert error={policies.error} onRetry={() => void policies.refetch()} />;
  if (!policies.data) return <Loader aria-label="Loading policies" />;
  if (policies.data.length === 0)
    return (
      <EmptyState title="No automation policy applies">
        None is attached to this device's group or tags. See{' '}
        <Anchor component={Link} to="/policies">
          Automation policies
        </Anchor>
        .
      </EmptyState>
    );
  return (
    <Stack gap="sm" data-testid="device-policies">
      {policies.data.map((p) => (
        <Card key={p.policy.id} withBorder data-testid="device-policy">
          <Group justify="space-between" align="flex-start">
            <div>
              <Text fw={500}>{p.policy.name}</Text>
              {p.policy.description && (
                <Text size="sm" c="dimmed">
                  {p.policy.description}
                </Text>
              )}
            </div>
            <Group gap={4} data-testid="device-policy-why">
              <Text size="xs" c="dimmed">
                applies through
              </Text>
              {p.matchedBy.map((m) => (
                <Badge
                  key={describePolicyMatch(m)}
                  variant="light"
                  style={{ textTransform: 'none' }}
                >
                  {describePolicyMatch(m)}
                </Badge>
              ))}
            </Group>
          </Group>
          <Stack gap={2} mt="xs">
            {p.schedules.length === 0 && p.checks.length === 0 && (
              <Text size="sm" c="dimmed">
                It bundles no schedule or check yet.
              </Text>
            )}
            {p.checks.map((c) => (
              <Text key={c.id} size="sm" data-testid="device-policy-check">
                <Anchor component={Link} to={`/agent-checks/${c.id}`} size="sm">
                  {c.name}
                </Anchor>{' '}
                <Text span size="xs" c="dimmed">
                  (agent check{c.enabled ? '' : ', disabled'})
                </Text>
              </Text>
            ))}
            {p.schedules.map((s) => (
              <Text key={s.id} size="sm" data-testid="device-policy-schedule">
                {s.name}{' '}
                <Text span size="xs" c="dimmed">
                  {s.paused ? (
                    '(paused)'
                  ) : s.nextDueAt ? (
                    <>
                      next <RelativeTime iso={s.nextDueAt} />
                    </>
                  ) : (
                    '(no further run)'
                  )}
                </Text>
              </Text>
            ))}
          </Stack>
        </Card>
      ))}
    </Stack>
  );
}
