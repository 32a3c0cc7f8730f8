import type { DeviceFacets } from '../devices/devices.service';
import type { AgentCheckEntity } from './agent-check.entity';
import type { CheckExtraTarget } from './check-target-sources';

/**
 * Whether a check applies to a device: the union of what its target names and of the extra
 * targets other features add (the groups and tags of the policies that carry it).
 */
export function checkApplies(
  c: Pick<AgentCheckEntity, 'targetAll' | 'targetDeviceIds' | 'targetGroupIds' | 'targetTags'>,
  deviceId: string,
  f: DeviceFacets,
  extra: readonly CheckExtraTarget[] = [],
): boolean {
  const matches = (groupIds: readonly string[], tags: readonly string[]) =>
    (f.groupId !== null && groupIds.includes(f.groupId)) || tags.some((t) => f.tags.includes(t));
  return (
    c.targetAll ||
    c.targetDeviceIds.includes(deviceId) ||
    matches(c.targetGroupIds, c.targetTags) ||
    extra.some((x) => matches(x.groupIds, x.tags))
  );
}

export const agentCheckSubject = (checkId: string, deviceId: string) =>
  `agent_check:${checkId}:${deviceId}`;
