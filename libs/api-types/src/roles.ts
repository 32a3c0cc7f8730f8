import { exhaustiveList } from './exhaustive-list';
import type { Role } from './users';

/** Every role, least powerful first: each can do everything the ones before it can. */
export const ROLES = exhaustiveList<Role>()(['viewer', 'technician', 'admin']);

/** Password length bounds, in characters (the server hashes what it accepts). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;

/** Whether `role` holds at least `needed`: what the server enforces and the console shows. */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}
