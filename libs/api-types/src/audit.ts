import type { PageQuery } from './common';

/**
 * Who did something: a signed-in user, the server itself, an unauthenticated caller, an
 * agent, or an enrollment token used by a machine not yet enrolled (its id is the actor id).
 */
export type ActorKind = 'user' | 'system' | 'anonymous' | 'device' | 'enrollment_token';

/** One audit log entry. `id` is a bigint, hence a string. */
export interface AuditEventResponse {
  id: string;
  occurredAt: string;
  actor: { kind: ActorKind; id: string | null; email: string | null };
  /** Dotted, e.g. `users.create`, `devices.revoke`. */
  action: string;
  target: { type: string; id: string | null } | null;
  /**
   * The target's name as of now (a device's display name, a job's, script's or group's name,
   * a user's email); for a deleted one, the name its event recorded; null if unknown.
   */
  targetName: string | null;
  details: Record<string, unknown>;
  sourceIp: string | null;
}

/** Query of `GET /api/audit` (newest first). */
export interface AuditListQuery extends PageQuery {
  actorId?: string;
  /** An exact action, or a prefix ending in `.*` such as `users.*`. */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** ISO 8601; inclusive. */
  since?: string;
  /** ISO 8601; exclusive. */
  until?: string;
}
