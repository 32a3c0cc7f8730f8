import { Badge } from '@mantine/core';
import type { DeviceStatus, RunState } from '@fleetdesk/api-types';

const RUN_COLOR: Record<RunState, string> = {
  pending: 'gray',
  dispatched: 'blue',
  running: 'blue',
  succeeded: 'green',
  failed: 'red',
  timed_out: 'red',
  expired: 'orange',
  cancelled: 'gray',
  lost: 'red',
};

export function RunStatusBadge({ status }: { status: RunState }) {
  return (
    <Badge color={RUN_COLOR[status]} variant="light" data-testid="run-status">
      {status.replace('_', ' ')}
    </Badge>
  );
}

const DEVICE_COLOR: Record<DeviceStatus, string> = {
  online: 'green',
  offline: 'gray',
  revoked: 'red',
};

export function DeviceStatusBadge({ status }: { status: DeviceStatus }) {
  return (
    <Badge color={DEVICE_COLOR[status]} variant="light" data-testid="device-status">
      {status}
    </Badge>
  );
}

/** The server offers a newer agent than this device runs (isAgentOutdated, api-types). */
export function OutdatedBadge() {
  return (
    <Badge
      color="orange"
      variant="light"
      size="sm"
      title="The server offers a newer agent version"
      data-testid="agent-outdated"
    >
      outdated
    </Badge>
  );
}
