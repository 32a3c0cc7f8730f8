import { execFileSync } from 'node:child_process';
import { chmod, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { parseSecretKey, secretKeyId } from './secrets/secret-box';
import { freePort, ROOT, SERVER_MAIN, spawnNode, waitHealthy } from './test-support/processes';
import { ADMIN, TestDatabase } from './test-support/test-app';

const run = (env: Record<string, string>) =>
  spawnNode([SERVER_MAIN], { LOG_LEVEL: 'warn', ...env });

describe('the server process (integration)', () => {
  beforeAll(() => {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-b',
        'apps/server/tsconfig.app.json',
      ],
      {
        cwd: ROOT,
        stdio: 'inherit',
      },
    );
  }, 120_000);

  it('stops at start-up with one clear line for a bad setting', async () => {
    const proc = run({ PORT: 'eighty' });
    expect(await proc.exited).toBe(1);
    expect(proc.stderr().trim()).toBe(
      'fleetdesk: invalid configuration: PORT must be an integer (got "eighty")',
    );
  });

  it('serves /health, logs the admin in, shuts down on SIGTERM and keeps its data across a restart', async () => {
    const db = await TestDatabase.create();
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: db.dataDir,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      FLEETDESK_ADMIN_EMAIL: ADMIN.email,
      FLEETDESK_ADMIN_PASSWORD: ADMIN.password,
    };
    const url = `http://127.0.0.1:${port}`;
    try {
      const first = run(env);
      await waitHealthy(url, first);
      const login = await request(url).post('/api/auth/login').send(ADMIN).expect(200);
      const token = `Bearer ${login.body.accessToken}`;
      await request(url)
        .post('/api/users')
        .set('Authorization', token)
        .send({
          email: 'kept@example.com',
          displayName: 'Kept',
          password: 'kept-password-123',
          role: 'viewer',
        })
        .expect(201);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(first.stdout()).toContain('SIGTERM received');

      const second = run(env);
      await waitHealthy(url, second);
      await request(url)
        .post('/api/auth/login')
        .send({ email: 'kept@example.com', password: 'kept-password-123' })
        .expect(200);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it('makes a 0600 key file at first start, and refuses to start with a missing or wrong key', async () => {
    const db = await TestDatabase.create();
    const port = await freePort();
    const env = {
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: db.dataDir,
      ...(db.databaseUrl ? { DATABASE_URL: db.databaseUrl } : {}),
      FLEETDESK_ADMIN_EMAIL: ADMIN.email,
      FLEETDESK_ADMIN_PASSWORD: ADMIN.password,
    };
    const url = `http://127.0.0.1:${port}`;
    const keyFile = join(db.dataDir, 'secret.key');
    /** Starts the server, expects it to stop at once, and returns its last stderr line. */
    const refused = async (extra: Record<string, string> = {}) => {
      const proc = run({ ...env, ...extra });
      expect(await proc.exited).toBe(1);
      return proc.stderr().trim().split('\n').at(-1);
    };
    try {
      const first = run(env);
      await waitHealthy(url, first);
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect((await stat(keyFile)).mode & 0o777).toBe(0o600);

      expect(await refused({ FLEETDESK_SECRET_KEY: 'ab'.repeat(32) })).toMatch(
        /^fleetdesk: failed to start: the secret key from FLEETDESK_SECRET_KEY \(key id [0-9a-f]{16}\) is not the one this database's secrets are encrypted with \(key id [0-9a-f]{16}\): use the original key$/,
      );
      const keyId = secretKeyId(parseSecretKey(await readFile(keyFile, 'utf8')) as Buffer);
      await rename(keyFile, `${keyFile}.bak`);
      expect(await refused()).toBe(
        `fleetdesk: failed to start: this database's secrets are encrypted with key ${keyId}, but there is no key: set FLEETDESK_SECRET_KEY or restore ${keyFile} from your backup`,
      );
      await rename(`${keyFile}.bak`, keyFile);
      await chmod(keyFile, 0o644);
      expect(await refused()).toBe(
        `fleetdesk: failed to start: the secret key file ${keyFile} has mode 0644; it must be readable by its owner only (chmod 600 ${keyFile})`,
      );
      await chmod(keyFile, 0o600);
      const again = run(env);
      await waitHealthy(url, again);
      again.child.kill('SIGTERM');
      expect(await again.exited).toBe(0);
    } finally {
      await db.destroy();
    }
  });
});
