import type { ActorKind, Role } from '@fleetdesk/api-types';

/** Who is acting, as every service that writes an audit entry needs to know. */
export interface Actor {
  kind: ActorKind;
  /** The user's id; for an `enrollment_token` actor, the token's id. */
  userId: string | null;
  email: string | null;
  role: Role | null;
  ip: string | null;
}

export const SYSTEM_ACTOR: Actor = {
  kind: 'system',
  userId: null,
  email: null,
  role: null,
  ip: null,
};
