import { createPublicKey, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LOG_DENY_GLOBS } from '@fleetdesk/api-types';
import {
  dirListing,
  generateDeviceKeyPair,
  type ListDirBody,
  listDirSigningPayload,
  signPayload,
} from '@fleetdesk/protocol';
import { recordingLogger } from '../test-support/recording-logger';
import { CLOCK_ALLOWANCE_MS, listDirectory, listDirHandler } from './list-dir';

describe('listing a folder for the file browser', () => {
  let root: string;
  let allowed: string;
  let outside: string;
  let stateDir: string;
  const ask = (path: string, more: Partial<Parameters<typeof listDirectory>[0]> = {}) =>
    listDirectory(
      {
        requestId: randomUUID(),
        path,
        maxEntries: 1000,
        allow: [`${allowed}/**`],
        deny: [...DEFAULT_LOG_DENY_GLOBS],
        ...more,
      },
      { stateDir, platform: 'linux' },
    );

  beforeAll(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-list-')));
    allowed = join(root, 'allowed');
    outside = join(root, 'outside');
    stateDir = join(allowed, 'agent-state');
    await mkdir(join(allowed, 'nginx'), { recursive: true });
    await mkdir(outside);
    await mkdir(stateDir);
    await writeFile(join(allowed, 'syslog'), 'twelve bytes');
    await utimes(
      join(allowed, 'syslog'),
      new Date('2026-01-02T03:04:05Z'),
      new Date('2026-01-02T03:04:05Z'),
    );
    await writeFile(join(allowed, 'server.key'), 'secret');
    await writeFile(join(outside, 'secret.txt'), 'secret');
    await symlink(outside, join(allowed, 'escape'));
    await symlink(join(outside, 'secret.txt'), join(allowed, 'escape.txt'));
    await symlink(join(allowed, 'syslog'), join(allowed, 'syslog.link'));
    await symlink(join(root, 'nothing-here'), join(allowed, 'dangling'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('lists name, type, size, time and mode, sorted, and the answer is a valid dir_listing', async () => {
    const body = await ask(allowed);
    expect(dirListing(body).ok).toBe(true);
    expect(body.path).toBe(allowed);
    expect(body.entries.map((e) => e.name)).toEqual([
      'agent-state',
      'dangling',
      'escape',
      'escape.txt',
      'nginx',
      'server.key',
      'syslog',
      'syslog.link',
    ]);
    const byName = new Map(body.entries.map((e) => [e.name, e]));
    expect(byName.get('syslog')).toEqual({
      name: 'syslog',
      type: 'file',
      size: 12,
      mtime: Date.parse('2026-01-02T03:04:05Z'),
      mode: expect.any(Number) as number,
    });
    expect((byName.get('syslog')?.mode ?? 0) & 0o170000).toBe(0o100000);
    expect(byName.get('nginx')).toMatchObject({ type: 'dir' });
    // A symlink is listed as one, not followed; it is judged by where it leads.
    expect(byName.get('syslog.link')).toMatchObject({ type: 'symlink' });
    expect(byName.get('syslog.link')?.refused).toBeUndefined();
    expect(body).toMatchObject({ total: 8, truncated: false });
  });

  it('marks what the lists refuse, with nothing but its name and type', async () => {
    const byName = new Map((await ask(allowed)).entries.map((e) => [e.name, e]));
    // A deny glob (*.key), the agent's own state directory, symlinks out of the tree.
    expect(byName.get('server.key')).toEqual({
      name: 'server.key',
      type: 'file',
      refused: 'denied',
    });
    expect(byName.get('agent-state')).toEqual({
      name: 'agent-state',
      type: 'dir',
      refused: 'denied',
    });
    expect(byName.get('escape')).toEqual({
      name: 'escape',
      type: 'symlink',
      refused: 'not_allowed',
    });
    expect(byName.get('escape.txt')).toEqual({
      name: 'escape.txt',
      type: 'symlink',
      refused: 'not_allowed',
    });
  });

  it('refuses a folder outside the lists, also when reached through a symlink or ..', async () => {
    expect((await ask(outside)).error).toMatchObject({ reason: 'not_allowed' });
    const viaLink = await ask(join(allowed, 'escape'));
    expect(viaLink.error).toMatchObject({ reason: 'not_allowed' });
    expect(viaLink.path).toBe(outside);
    expect(viaLink.entries).toEqual([]);
    const viaDots = await ask(`${allowed}/nginx/../../outside`);
    expect(viaDots.error).toMatchObject({ reason: 'not_allowed' });
    expect(viaDots.path).toBe(outside);
    expect((await ask(stateDir)).error).toMatchObject({ reason: 'denied' });
    for (const refused of [viaLink, viaDots]) expect(dirListing(refused).ok).toBe(true);
  });

  it('enters an allowed folder through .. that stays inside', async () => {
    const body = await ask(`${allowed}/nginx/..`);
    expect(body.error).toBeUndefined();
    expect(body.path).toBe(allowed);
  });

  it('says when the path is missing or not a folder', async () => {
    expect((await ask(join(allowed, 'missing'))).error).toMatchObject({ reason: 'not_found' });
    expect((await ask(join(allowed, 'syslog'))).error).toMatchObject({ reason: 'not_a_dir' });
    expect((await ask(join(allowed, 'syslog', 'x'))).error).toMatchObject({ reason: 'not_a_dir' });
  });

  it('returns at most maxEntries, the first by name, and counts the rest', async () => {
    const big = join(allowed, 'big');
    await mkdir(big);
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        writeFile(join(big, `f${String(i).padStart(2, '0')}.log`), ''),
      ),
    );
    const body = await ask(big, { maxEntries: 10 });
    expect(dirListing(body).ok).toBe(true);
    expect(body.entries.map((e) => e.name)).toEqual(
      Array.from({ length: 10 }, (_, i) => `f${String(i).padStart(2, '0')}.log`),
    );
    expect(body).toMatchObject({ total: 25, truncated: true });
    const all = await ask(big, { maxEntries: 25 });
    expect(all).toMatchObject({ total: 25, truncated: false });
    await rm(big, { recursive: true });
  });
});

describe('the list_dir request checks', () => {
  const server = generateDeviceKeyPair();
  const other = generateDeviceKeyPair();
  const deviceId = randomUUID();
  let dir: string;
  let now = Date.now();
  const log = recordingLogger();
  let handler: ReturnType<typeof listDirHandler>;

  const request = (key = server.privateKey, more: Partial<ListDirBody> = {}): ListDirBody => {
    const fields: Omit<ListDirBody, 'signature'> = {
      requestId: randomUUID(),
      deviceId,
      path: dir,
      maxEntries: 100,
      allow: [`${dir}/**`],
      deny: [],
      issuedAt: now,
      expiresAt: now + 60_000,
      ...more,
    };
    return { ...fields, signature: signPayload(key, listDirSigningPayload(fields)) };
  };

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-list-req-')));
    await writeFile(join(dir, 'a.log'), 'a');
    handler = listDirHandler({
      deviceId,
      serverPublicKey: createPublicKey(server.publicKey),
      stateDir: join(dir, 'state'),
      log,
      platform: 'linux',
      now: () => now,
    });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('answers a request the pinned server key signed for this device', async () => {
    const req = request();
    const body = await handler(req);
    expect(body.requestId).toBe(req.requestId);
    expect(body.entries.map((e) => e.name)).toEqual(['a.log']);
  });

  it('refuses another key, a changed field, another device, an expired request and a replay', async () => {
    const forged = await handler(request(other.privateKey));
    expect(forged.error?.message).toMatch(/not signed by the server key/);
    expect(forged.entries).toEqual([]);
    // The lists are part of what is signed: widened on the way, the request is refused.
    const widened = { ...request(), allow: ['/**'] };
    expect((await handler(widened)).error?.message).toMatch(/not signed/);
    const elsewhere = await handler(request(server.privateKey, { deviceId: randomUUID() }));
    expect(elsewhere.error?.message).toMatch(/not this one/);
    const old = request(server.privateKey, { issuedAt: now - 400_000, expiresAt: now - 340_000 });
    expect(now - old.expiresAt).toBeGreaterThan(CLOCK_ALLOWANCE_MS);
    expect((await handler(old)).error?.message).toMatch(/expired/);
    // A little late (a device clock a minute behind) is still answered.
    const late = request(server.privateKey, { issuedAt: now - 120_000, expiresAt: now - 60_000 });
    expect((await handler(late)).error).toBeUndefined();
    expect((await handler(late)).error?.message).toMatch(/already answered/);
    expect(log.has('warn', /not signed by the server/)).toBe(true);
    now += 1;
  });
});
