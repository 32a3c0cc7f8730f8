import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Agent downloads on the real server and database, from a folder laid out as
 * `npm run build:agent` lays it out (small stand-in files: the server only hashes them).
 */
describe('agent downloads (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let dir: string;
  const files = {
    'linux-x64': randomBytes(200_000),
    'win-x64': randomBytes(100_000),
    'darwin-x64': randomBytes(50_000),
  };
  const RATE_LIMIT = 40;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-bin-'));
    const platforms = [];
    for (const [platform, bytes] of Object.entries(files)) {
      const file = `fleetdesk-agent-${platform}${platform === 'win-x64' ? '.exe' : ''}`;
      await writeFile(join(dir, file), bytes);
      platforms.push({ platform, file, size: bytes.length, sha256: sha256(bytes) });
    }
    // darwin-x64's file does not match its manifest entry: it must never be offered.
    platforms[2].sha256 = sha256(Buffer.from('something else'));
    await writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version: '1.2.3',
        node: { 'linux-x64': '24.21.0', 'win-x64': '24.21.0', 'darwin-x64': '24.18.1' },
        platforms,
      }),
    );
    db = await TestDatabase.create();
    server = await startServer(db, {
      AGENT_BINARIES_DIR: dir,
      AGENT_DOWNLOAD_RATE_LIMIT: String(RATE_LIMIT),
    });
    admin = await login(server, ADMIN.email, ADMIN.password);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  const http = () => request(server.url);
  async function newToken(body: Record<string, unknown> = {}) {
    const res = await http()
      .post('/api/enrollment-tokens')
      .set('Authorization', admin)
      .send({ name: 'site A', ...body })
      .expect(201);
    return res.body as { id: string; token: string };
  }
  const audit = async (query: string) =>
    (await http().get(`/api/audit?${query}`).set('Authorization', admin).expect(200)).body as {
      items: {
        actor: { kind: string; id: string | null; email: string | null };
        target: { type: string; id: string };
        details: Record<string, unknown>;
        sourceIp: string | null;
      }[];
    };

  it('lists only the executables whose bytes match the manifest', async () => {
    const res = await http().get('/api/agent/downloads').set('Authorization', admin).expect(200);
    expect(res.body).toEqual({
      version: '1.2.3',
      platforms: [
        {
          platform: 'linux-x64',
          file: 'fleetdesk-agent-linux-x64',
          size: files['linux-x64'].length,
          sha256: sha256(files['linux-x64']),
          node: '24.21.0',
          url: '/api/agent/downloads/linux-x64',
        },
        {
          platform: 'win-x64',
          file: 'fleetdesk-agent-win-x64.exe',
          size: files['win-x64'].length,
          sha256: sha256(files['win-x64']),
          node: '24.21.0',
          url: '/api/agent/downloads/win-x64',
        },
      ],
    });
  });

  it('streams a binary to a signed-in user with its length, name and checksum, and audits it', async () => {
    const res = await http()
      .get('/api/agent/downloads/win-x64')
      .set('Authorization', admin)
      .buffer(true)
      .parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(Buffer.compare(res.body as Buffer, files['win-x64'])).toBe(0);
    expect(res.headers['content-length']).toBe(String(files['win-x64'].length));
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="fleetdesk-agent-win-x64.exe"',
    );
    expect(res.headers['x-checksum-sha256']).toBe(sha256(files['win-x64']));
    const { items } = await audit('action=agent_downloads.download&targetId=win-x64');
    expect(items).toHaveLength(1);
    expect(items[0].actor).toMatchObject({ kind: 'user', email: ADMIN.email });
    expect(items[0].target).toEqual({ type: 'agent_binary', id: 'win-x64' });
    expect(items[0].details).toMatchObject({ version: '1.2.3', sha256: sha256(files['win-x64']) });
  });

  it('lets a bare machine download with a valid enrollment token, audited as that token, without using it up', async () => {
    const { id, token } = await newToken({ maxUses: 1 });
    await http().get('/api/agent/downloads').set('X-Enrollment-Token', token).expect(200);
    const res = await http()
      .get('/api/agent/downloads/linux-x64')
      .set('X-Enrollment-Token', token)
      .expect(200);
    expect(res.headers['x-checksum-sha256']).toBe(sha256(files['linux-x64']));
    expect(res.headers['content-length']).toBe(String(files['linux-x64'].length));
    const { items } = await audit(`action=agent_downloads.download&actorId=${id}`);
    expect(items).toHaveLength(1);
    expect(items[0].actor).toEqual({ kind: 'enrollment_token', id, email: null });
    expect(items[0].details).toMatchObject({ tokenName: 'site A' });
    // Downloading used none of its one use.
    const listed = await http().get('/api/enrollment-tokens').set('Authorization', admin);
    expect((listed.body as { id: string; uses: number }[]).find((t) => t.id === id)?.uses).toBe(0);
  });

  it('refuses no credential, an unknown, expired, revoked or used-up token, each with its reason', async () => {
    await http().get('/api/agent/downloads/linux-x64').expect(401);
    const unknown = await http()
      .get('/api/agent/downloads/linux-x64')
      .set('X-Enrollment-Token', 'fde_not-a-real-token')
      .expect(401);
    expect(unknown.body.code).toBe('ENROLLMENT_TOKEN_INVALID');
    await http().get('/api/agent/downloads').set('X-Enrollment-Token', '').expect(401);

    const expired = await newToken();
    await server.dataSource.query(
      `UPDATE enrollment_token SET expires_at = now() - interval '1 minute' WHERE id = $1`,
      [expired.id],
    );
    const exp = await http()
      .get('/api/agent/downloads/linux-x64')
      .set('X-Enrollment-Token', expired.token)
      .expect(401);
    expect(exp.body).toMatchObject({
      code: 'ENROLLMENT_TOKEN_EXPIRED',
      message: expect.stringMatching(/expired/),
    });

    const revoked = await newToken();
    await http()
      .delete(`/api/enrollment-tokens/${revoked.id}`)
      .set('Authorization', admin)
      .expect(200);
    const rev = await http()
      .get('/api/agent/downloads')
      .set('X-Enrollment-Token', revoked.token)
      .expect(401);
    expect(rev.body.code).toBe('ENROLLMENT_TOKEN_REVOKED');

    const used = await newToken({ maxUses: 1 });
    await server.dataSource.query(`UPDATE enrollment_token SET uses = 1 WHERE id = $1`, [used.id]);
    const usedUp = await http()
      .get('/api/agent/downloads')
      .set('X-Enrollment-Token', used.token)
      .expect(401);
    expect(usedUp.body.code).toBe('ENROLLMENT_TOKEN_USED_UP');

    // A bad bearer beside a good token is still a bad bearer: the user credential decides.
    const good = await newToken();
    await http()
      .get('/api/agent/downloads')
      .set('Authorization', 'Bearer fds_nope')
      .set('X-Enrollment-Token', good.token)
      .expect(401);
    // Nothing was audited for any refusal.
    const { items } = await audit('action=agent_downloads.download&targetId=linux-x64');
    expect(items.every((e) => e.actor.kind === 'enrollment_token')).toBe(true);
    expect(items).toHaveLength(1);
  });

  it('answers 400 for a platform name it does not know and 404 for one it does not offer', async () => {
    const bad = await http()
      .get('/api/agent/downloads/linux-mips')
      .set('Authorization', admin)
      .expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/platform must be one of linux-x64/);
    const missing = await http()
      .get('/api/agent/downloads/darwin-x64')
      .set('Authorization', admin)
      .expect(404);
    expect(missing.body.code).toBe('AGENT_BINARY_NOT_AVAILABLE');
  });

  it('refuses a file changed on disk after it was checked, and stops offering it', async () => {
    await writeFile(join(dir, 'fleetdesk-agent-linux-x64'), randomBytes(1000));
    const res = await http()
      .get('/api/agent/downloads/linux-x64')
      .set('Authorization', admin)
      .expect(409);
    expect(res.body.code).toBe('AGENT_BINARY_CHANGED');
    const list = await http().get('/api/agent/downloads').set('Authorization', admin).expect(200);
    expect(
      (list.body as { platforms: { platform: string }[] }).platforms.map((p) => p.platform),
    ).toEqual(['win-x64']);
  });

  it('is rate-limited per client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= RATE_LIMIT; i++) {
      statuses.push((await http().get('/api/agent/downloads').set('Authorization', admin)).status);
    }
    expect(statuses).toContain(429);
    const limited = await http().get('/api/agent/downloads').set('Authorization', admin);
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
  });

  it('serves the install scripts to anyone, with the server address and published hashes', async () => {
    const sh = await http().get('/install.sh').expect(200);
    expect(sh.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(sh.headers['cache-control']).toBe('no-store');
    expect(sh.text.startsWith('#!/bin/sh')).toBe(true);
    expect(sh.text).toContain(`FLEETDESK_SERVER='${server.url}'`);
    expect(sh.text).toContain(`FLEETDESK_VERSION='1.2.3'`);
    expect(sh.text).toMatch(/^FLEETDESK_SERVER_KEY_SHA256='[0-9a-f]{64}'$/m);
    // linux-x64 was changed on disk by an earlier test and is no longer offered.
    expect(sh.text).toContain(`SHA256_LINUX_X64=''`);
    expect(sh.text).toContain(`SHA256_DARWIN_X64=''`);
    const ps1 = await http().get('/install.ps1').expect(200);
    expect(ps1.text).toContain(`$Sha256WinX64 = '${sha256(files['win-x64'])}'`);
    for (const text of [sh.text, ps1.text]) expect(text).not.toContain('@@');
  });

  it('refuses to write a Host header that is not a host into a script', async () => {
    const res = await http().get('/install.sh').set('Host', "evil'$(reboot)").expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.code).toBe('INVALID_HOST');
  });
});

describe('install scripts with PUBLIC_URL (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { PUBLIC_URL: 'https://rmm.example.com/' });
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('writes PUBLIC_URL, not the Host the request came with', async () => {
    const sh = await request(server.url)
      .get('/install.sh')
      .set('Host', 'internal:3000')
      .expect(200);
    expect(sh.text).toContain(`FLEETDESK_SERVER='https://rmm.example.com'`);
  });
});
