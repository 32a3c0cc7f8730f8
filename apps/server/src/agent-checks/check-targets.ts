import type { DeviceFacets } from '../devices/devices.service';
import type { AgentCheckEntity } from './agent-check.entity';

/** Whether a check applies to a device: the union of what its target names. */
export function checkApplies(
  c: Pick<AgentCheckEntity, 'targetAll' | 'targetDeviceIds' | 'targetGroupIds' | 'targetTags'>,
  deviceId: string,
  f: DeviceFacets,
): boolean {
  return (
    c.targetAll ||
    c.targetDeviceIds.includes(deviceId) ||
    (f.groupId !== null && c.targetGroupIds.includes(f.groupId)) ||
    c.targetTags.some((t) => f.tags.includes(t))
  );
}

export const agentCheckSubject = (checkId: string, deviceId: string) =>
  `agent_check:${checkId}:${deviceId}`;
