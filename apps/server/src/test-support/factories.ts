import { SYSTEM_ACTOR } from '../common/actor';
import type { Role } from '@fleetdesk/api-types';
import { UsersService } from '../users/users.service';
import { login, type TestServer } from './test-app';

let seq = 0;

/** Small factories that insert real rows through the real services. */
export function factories(server: TestServer) {
  const users = server.app.get(UsersService);
  return {
    async user(opts: { role?: Role; password?: string; email?: string } = {}) {
      seq += 1;
      const password = opts.password ?? `password-${seq}-long-enough`;
      const user = await users.create(SYSTEM_ACTOR, {
        email: opts.email ?? `user${seq}-${Date.now()}@example.com`,
        displayName: `User ${seq}`,
        password,
        role: opts.role ?? 'technician',
      });
      return { user, password, auth: () => login(server, user.email, password) };
    },
  };
}
