import type { Role } from '../users/user.entity';

/** Who is acting, as every service that writes an audit entry needs to know. */
export interface Actor {
  kind: 'user' | 'system' | 'anonymous' | 'device';
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
