import type { AgentCheckSummary } from './agent-checks';

/**
 * Automation policies: a named bundle of schedules and agent checks attached to groups and
 * tags. A device inherits every policy that matches it: each schedule of a policy also fires
 * on the devices of the policy's groups and tags, resolved at fire time like any target, so a
 * device that joins a group is covered from the next occurrence; each agent check of a policy
 * also runs on those devices, pushed to their agents as soon as the policy or the device's
 * tags or group change.
 */

export const POLICY_LIMITS = {
  nameLength: 200,
  descriptionLength: 1000,
  /** Tags and groups a policy is attached to, each list. */
  targets: 100,
  /** Schedules in one policy. */
  schedules: 100,
  /** Agent checks in one policy (a device carries at most 100 checks in all). */
  checks: 100,
} as const;

/** What a policy is attached to: the devices in any of the groups or carrying any of the tags. */
export interface PolicyTarget {
  tags?: string[];
  groupIds?: string[];
}

export interface CreatePolicyRequest {
  name: string;
  description?: string;
  target: PolicyTarget;
  /** The schedules it bundles; each also fires on the devices the policy is attached to. */
  scheduleIds: string[];
  /** The agent checks it carries (none when absent); each also runs on the policy's devices. */
  checkIds?: string[];
}

export type UpdatePolicyRequest = Partial<CreatePolicyRequest>;

/** A schedule as a policy lists it. */
export interface PolicySchedule {
  id: string;
  name: string;
  paused: boolean;
  /** When it next fires somewhere (null: paused, or never again). */
  nextDueAt: string | null;
}

export interface PolicyResponse {
  id: string;
  name: string;
  description: string;
  target: { tags: string[]; groups: { id: string; name: string }[] };
  schedules: PolicySchedule[];
  checks: AgentCheckSummary[];
  createdBy: { id: string | null; email: string | null };
  createdAt: string;
  updatedAt: string;
}

/** Why a policy applies to a device: each attachment the device matches. */
export type PolicyMatch =
  { kind: 'group'; group: { id: string; name: string } } | { kind: 'tag'; tag: string };

/** `GET /api/devices/:id/policies`: every policy that applies to the device, and why. */
export interface DevicePolicy {
  policy: { id: string; name: string; description: string };
  matchedBy: PolicyMatch[];
  schedules: PolicySchedule[];
  checks: AgentCheckSummary[];
}

/** A policy match as one line of text ("group Berlin", "tag servers"). */
export function describePolicyMatch(m: PolicyMatch): string {
  return m.kind === 'group' ? `group ${m.group.name}` : `tag ${m.tag}`;
}
