import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import {
  appendFile,
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  realpath,
  readdir,
  rename,
  rm,
  symlink,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FOLLOW_LIMITS,
  type FollowLinesBody,
  type FollowSource,
  type FollowStartBody,
  type FollowStatusBody,
  followKeepaliveSigningPayload,
  followStartSigningPayload,
  followStopSigningPayload,
  generateDeviceKeyPair,
  newNonce,
  signPayload,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { recordingLogger } from '../test-support/recording-logger';
import { AgentFollows } from './follows';
import { LineSplitter } from './line-splitter';
import { TokenBucket } from './rate';

const deviceId = '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b';
const server = generateDeviceKeyPair();
const serverKey = createPrivateKey(server.privateKey);
const impostor = createPrivateKey(generateDeviceKeyPair().privateKey);

let dir: string;
let stateDir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'follow-')));
  stateDir = join(dir, 'state');
  await mkdir(stateDir);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function startBody(
  source: FollowSource,
  change: Partial<FollowStartBody> = {},
  key = serverKey,
): FollowStartBody {
  const now = Date.now();
  const body = {
    followId: randomUUID(),
    deviceId,
    source,
    lastLines: 3,
    linesPerSecond: 1000,
    bytesPerSecond: 256 * 1024,
    keepaliveTimeoutMs: 60_000,
    allow: [`${dir}/**`],
    deny: ['**/*.key'],
    issuedAt: now,
    expiresAt: now + 60_000,
    nonce: newNonce(),
    ...change,
  };
  return { ...body, signature: signPayload(key, followStartSigningPayload(body)) };
}

function harness(options: { journalctl?: string; platform?: NodeJS.Platform } = {}) {
  const log = recordingLogger();
  const follows = new AgentFollows({
    deviceId,
    serverPublicKey: createPublicKey(server.publicKey),
    stateDir,
    log,
    pollMs: 50,
    flushMs: 5,
    ...options,
  });
  const lines: FollowLinesBody[] = [];
  const statuses: FollowStatusBody[] = [];
  let open = true;
  const session: Session = {
    deviceId,
    heartbeatIntervalMs: 30_000,
    send: (type, body) => {
      if (!open) return false;
      if (type === 'follow_lines') lines.push(body as FollowLinesBody);
      if (type === 'follow_status') statuses.push(body as FollowStatusBody);
      return true;
    },
    sendFrame: () => open,
    protocolVersion: 7,
    sendBinary: () => open,
  };
  const handle = follows.attach(session);
  const start = (body: FollowStartBody) =>
    handle.onFollow?.({ v: 4, type: 'follow_start', id: randomUUID(), ts: Date.now(), body });
  const stop = (followId: string, key = serverKey) =>
    handle.onFollow?.({
      v: 4,
      type: 'follow_stop',
      id: randomUUID(),
      ts: Date.now(),
      body: {
        followId,
        deviceId,
        signature: signPayload(key, followStopSigningPayload(followId, deviceId)),
      },
    });
  const keepalive = (followIds: string[], issuedAt = Date.now()) => {
    const body = { deviceId, followIds, issuedAt };
    handle.onFollow?.({
      v: 4,
      type: 'follow_keepalive',
      id: randomUUID(),
      ts: Date.now(),
      body: { ...body, signature: signPayload(serverKey, followKeepaliveSigningPayload(body)) },
    });
  };
  const text = () => lines.flatMap((f) => f.lines);
  const status = (followId: string) => statuses.filter((s) => s.followId === followId);
  const closeSocket = () => {
    open = false;
    handle.close();
  };
  return { follows, log, lines, statuses, start, stop, keepalive, text, status, closeSocket };
}

async function until<T>(what: () => T | undefined | false, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Whether this process has `path` open (Linux: /proc/self/fd). */
async function holds(path: string): Promise<boolean> {
  const fds = await readdir('/proc/self/fd').catch(() => null);
  if (!fds) return false;
  for (const fd of fds) {
    if ((await readlink(`/proc/self/fd/${fd}`).catch(() => '')) === path) return true;
  }
  return false;
}

describe('AgentFollows: files', () => {
  it('sends the last N lines, then appended ones; a stop releases the file', async () => {
    const h = harness();
    const file = join(dir, 'app.log');
    await writeFile(file, 'one\ntwo\nthree\nfour\nfive\n');
    const body = startBody({ type: 'file', path: file });
    h.start(body);
    await until(() => h.status(body.followId).find((s) => s.state === 'following'));
    expect(h.status(body.followId)[0]).toMatchObject({ state: 'following', realPath: file });
    await until(() => h.text().length === 3);
    expect(h.text()).toEqual(['three', 'four', 'five']);
    await appendFile(file, 'six\nseven');
    await until(() => h.text().includes('six'));
    // A line without its newline yet waits for it.
    expect(h.text()).not.toContain('seven');
    await appendFile(file, ' eight\n');
    await until(() => h.text().includes('seven eight'));
    expect(h.follows.running()).toEqual([
      { followId: body.followId, source: file, heldPath: file },
    ]);
    if (process.platform === 'linux') expect(await holds(file)).toBe(true);

    h.stop(body.followId);
    await until(() => h.status(body.followId).find((s) => s.state === 'ended'));
    expect(h.status(body.followId).at(-1)).toMatchObject({ state: 'ended', reason: 'stopped' });
    expect(h.follows.size).toBe(0);
    if (process.platform === 'linux') expect(await holds(file)).toBe(false);
    // Nothing more after the stop.
    const count = h.lines.length;
    await appendFile(file, 'nine\n');
    await new Promise((r) => setTimeout(r, 200));
    expect(h.lines.length).toBe(count);
    expect(h.log.has('info', /ended \(stopped\)/)).toBe(true);
  });

  it('reads a truncated file again from its start, with a notice', async () => {
    const h = harness();
    const file = join(dir, 'app.log');
    await writeFile(file, 'a\nb\nc\n');
    const body = startBody({ type: 'file', path: file });
    h.start(body);
    await until(() => h.text().length === 3);
    // Shorter than before: a file that shrank between two looks was truncated.
    await truncate(file, 0);
    await appendFile(file, 'new\n');
    await until(() => h.text().includes('new'));
    expect(h.lines.some((f) => /was truncated/.test(f.notice ?? ''))).toBe(true);
    await h.follows.close();
  });

  it('follows a rotated file: the old one to its end, then the new one', async () => {
    const h = harness();
    const file = join(dir, 'app.log');
    await writeFile(file, 'first\n');
    const body = startBody({ type: 'file', path: file }, { lastLines: 0 });
    h.start(body);
    await until(() => h.status(body.followId).length > 0);
    await appendFile(file, 'before rotation\n');
    await until(() => h.text().includes('before rotation'));
    await rename(file, `${file}.1`);
    await appendFile(`${file}.1`, 'late line of the old file\n');
    await writeFile(file, 'new file line\n');
    await until(() => h.text().includes('new file line'));
    expect(h.text()).toEqual(['before rotation', 'late line of the old file', 'new file line']);
    expect(h.lines.some((f) => /replaced \(rotated\)/.test(f.notice ?? ''))).toBe(true);
    if (process.platform === 'linux') {
      expect(await holds(`${file}.1`)).toBe(false);
      expect(await holds(file)).toBe(true);
    }
    await h.follows.close();
    expect(h.status(body.followId).at(-1)).toMatchObject({ reason: 'shutdown' });
  });

  it('ends a follow whose rotated path became a symlink out of the policy', async () => {
    const h = harness();
    const file = join(dir, 'app.log');
    await writeFile(file, 'x\n');
    const secret = join(dir, 'server.key');
    await writeFile(secret, 'PRIVATE\n');
    const body = startBody({ type: 'file', path: file }, { lastLines: 0 });
    h.start(body);
    await until(() => h.status(body.followId).length > 0);
    await rm(file);
    await symlink(secret, file);
    const ended = await until(() => h.status(body.followId).find((s) => s.state === 'ended'));
    expect(ended).toMatchObject({ reason: 'denied' });
    expect(ended.message).toMatch(/after rotation: .*server\.key matches deny \*\*\/\*\.key/);
    expect(h.text()).not.toContain('PRIVATE');
  });

  it.each<[string, (d: string) => Promise<string>, string]>([
    [
      'a denied path',
      async (d) => {
        await writeFile(join(d, 'db.key'), 'k\n');
        return join(d, 'db.key');
      },
      'denied',
    ],
    ['a path outside the allow-list', () => Promise.resolve('/etc/hostname'), 'not_allowed'],
    [
      'a symlink that escapes',
      async (d) => {
        await symlink('/etc/hostname', join(d, 'escape.log'));
        return join(d, 'escape.log');
      },
      'not_allowed',
    ],
    [
      '.. out of the allowed folder',
      (d) => Promise.resolve(`${d}/../../etc/hostname`),
      'not_allowed',
    ],
    [
      "the agent's own state directory",
      async (d) => {
        await writeFile(join(d, 'state', 'identity.json'), '{}');
        return join(d, 'state', 'identity.json');
      },
      'denied',
    ],
    ['a missing file', (d) => Promise.resolve(join(d, 'nope.log')), 'not_found'],
    [
      'a directory',
      async (d) => {
        await mkdir(join(d, 'folder.log'));
        return join(d, 'folder.log');
      },
      'not_a_file',
    ],
  ])('refuses %s with a reason', async (_, make, reason) => {
    const h = harness();
    const path = await make(dir);
    const body = startBody({ type: 'file', path });
    h.start(body);
    const ended = await until(() => h.status(body.followId).find((s) => s.state === 'ended'));
    expect(ended.reason).toBe(reason);
    expect(ended.message.length).toBeGreaterThan(0);
    expect(h.lines).toEqual([]);
    expect(h.follows.size).toBe(0);
  });

  it('drops lines over the rate with a count, never queueing them', async () => {
    const h = harness();
    const file = join(dir, 'chatty.log');
    await writeFile(file, '');
    const body = startBody({ type: 'file', path: file }, { linesPerSecond: 10, lastLines: 0 });
    h.start(body);
    await until(() => h.status(body.followId).length > 0);
    await appendFile(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    await until(() => h.lines.some((f) => (f.skippedLines ?? 0) > 0));
    await new Promise((r) => setTimeout(r, 300));
    const sent = h.text().length;
    const skipped = h.lines.reduce((n, f) => n + (f.skippedLines ?? 0), 0);
    expect(sent).toBeGreaterThanOrEqual(10);
    expect(sent).toBeLessThanOrEqual(15);
    expect(sent + skipped).toBe(100);
    // The first lines went (a full bucket), the rest were counted.
    expect(h.text().slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i}`));
    await h.follows.close();
  });

  it('jumps over a backlog larger than four seconds of byte budget and says how much', async () => {
    const h = harness();
    const file = join(dir, 'flood.log');
    await writeFile(file, '');
    const body = startBody(
      { type: 'file', path: file },
      { bytesPerSecond: 1024, lastLines: 0, linesPerSecond: 5000 },
    );
    h.start(body);
    await until(() => h.status(body.followId).length > 0);
    await appendFile(file, 'x'.repeat(100) + '\n' + 'y'.repeat(10_000) + '\nafter\n');
    await until(() => h.lines.some((f) => (f.skippedBytes ?? 0) > 0));
    expect(h.lines.find((f) => f.skippedBytes)?.skippedBytes).toBeGreaterThan(4096);
    await h.follows.close();
  });

  it('stops when the socket closes, and when no keepalive comes', async () => {
    const h = harness();
    const file = join(dir, 'a.log');
    await writeFile(file, '');
    const body = startBody({ type: 'file', path: file });
    h.start(body);
    await until(() => h.follows.size === 1 && h.status(body.followId).length > 0);
    h.closeSocket();
    await until(() => h.follows.size === 0);
    if (process.platform === 'linux') expect(await holds(file)).toBe(false);

    const idle = harness();
    const short = startBody({ type: 'file', path: file }, { keepaliveTimeoutMs: 3000 });
    idle.start(short);
    await until(() => idle.status(short.followId).length > 0);
    // Kept alive past its limit by keepalives, then left idle.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      idle.keepalive([short.followId]);
    }
    expect(idle.follows.size).toBe(1);
    const ended = await until(
      () => idle.status(short.followId).find((s) => s.state === 'ended'),
      8000,
    );
    expect(ended.reason).toBe('idle');
  }, 20_000);

  it('refuses unsigned, replayed, expired, foreign and excess starts', async () => {
    const h = harness();
    const file = join(dir, 'a.log');
    await writeFile(file, '');
    const reason = async (body: FollowStartBody) => {
      h.start(body);
      return (await until(() => h.status(body.followId).find((s) => s.state === 'ended'))).reason;
    };
    expect(await reason(startBody({ type: 'file', path: file }, {}, impostor))).toBe('rejected');
    expect(await reason(startBody({ type: 'file', path: file }, { deviceId: randomUUID() }))).toBe(
      'rejected',
    );
    const past = Date.now() - 120_000;
    expect(
      await reason(
        startBody({ type: 'file', path: file }, { issuedAt: past, expiresAt: past + 1 }),
      ),
    ).toBe('rejected');
    // A forged stop does nothing; a replayed start is refused.
    const ok = startBody({ type: 'file', path: file });
    h.start(ok);
    await until(() => h.status(ok.followId).length > 0);
    h.stop(ok.followId, impostor);
    await new Promise((r) => setTimeout(r, 100));
    expect(h.follows.size).toBe(1);
    h.start(ok);
    await until(() => h.status(ok.followId).some((s) => s.reason === 'rejected'));
    expect(h.follows.size).toBe(1);
    for (let i = 1; i < FOLLOW_LIMITS.perAgent; i++)
      h.start(startBody({ type: 'file', path: file }));
    await until(() => h.follows.size === FOLLOW_LIMITS.perAgent);
    expect(await reason(startBody({ type: 'file', path: file }))).toBe('busy');
    await h.follows.close();
    expect(h.follows.size).toBe(0);
  });
});

describe('AgentFollows: journald', () => {
  it('runs journalctl --follow with an argument array and stops it', async () => {
    const fake = join(dir, 'journalctl');
    const argsFile = join(dir, 'args');
    await writeFile(
      fake,
      `#!/bin/sh\nfor a in "$@"; do echo "$a" >> '${argsFile}'; done\necho 'Hint: not all messages' >&2\necho '2026-11-30T06:00:00+0000 host nginx[1]: started'\nexec sleep 60\n`,
    );
    await chmod(fake, 0o755);
    const h = harness({ journalctl: fake });
    const body = startBody({ type: 'journald', unit: 'nginx.service' }, { lastLines: 7 });
    h.start(body);
    await until(() => h.text().length === 1);
    expect(h.status(body.followId)[0]).toMatchObject({ state: 'following' });
    await until(() => h.lines.some((f) => f.notice === 'journalctl: Hint: not all messages'));
    expect((await readFile(argsFile, 'utf8')).trim().split('\n')).toEqual([
      '--follow',
      '--no-pager',
      '--output=short-iso',
      '--lines=7',
      '--unit=nginx.service',
    ]);
    h.stop(body.followId);
    await until(() => h.status(body.followId).some((s) => s.reason === 'stopped'));
  });

  it('says clearly when journald is not there', async () => {
    const missing = harness({ journalctl: join(dir, 'no-journalctl') });
    const body = startBody({ type: 'journald', unit: 'nginx.service' });
    missing.start(body);
    const ended = await until(() => missing.status(body.followId).find((s) => s.state === 'ended'));
    expect(ended).toMatchObject({ reason: 'unavailable' });
    expect(ended.message).toMatch(/journald is not available/);

    const mac = harness({ platform: 'darwin' });
    const other = startBody({ type: 'journald', unit: 'nginx.service' });
    mac.start(other);
    const refused = await until(() => mac.status(other.followId).find((s) => s.state === 'ended'));
    expect(refused).toMatchObject({
      reason: 'unavailable',
      message: 'journald exists only on Linux',
    });
  });
});

describe('TokenBucket', () => {
  it('allows a second of burst, then the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(5, 1_000_000, () => now);
    expect(Array.from({ length: 8 }, () => bucket.take(10)).filter(Boolean)).toHaveLength(5);
    now += 400;
    expect(Array.from({ length: 8 }, () => bucket.take(10)).filter(Boolean)).toHaveLength(2);
    now += 10_000;
    expect(Array.from({ length: 8 }, () => bucket.take(10)).filter(Boolean)).toHaveLength(5);
  });
  it('limits bytes as well as lines', () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 100, () => now);
    expect(bucket.take(60)).toBe(true);
    expect(bucket.take(60)).toBe(false);
    now += 600;
    expect(bucket.take(60)).toBe(true);
    // A line larger than the whole budget passes on a full bucket instead of never.
    now += 10_000;
    expect(bucket.take(5000)).toBe(true);
    expect(bucket.take(1)).toBe(false);
  });
});

describe('LineSplitter', () => {
  it('splits, keeps a partial line, drops \\r, cuts long lines, cleans NUL', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('a\r\nb\npart'))).toEqual(['a', 'b']);
    expect(s.push(Buffer.from('ial\n'))).toEqual(['partial']);
    expect(s.push(Buffer.from('x\u0000y\n'))).toEqual(['x\ufffdy']);
    const long = s.push(Buffer.from('z'.repeat(FOLLOW_LIMITS.lineChars + 10) + '\nnext\n'));
    expect(long[0]).toHaveLength(FOLLOW_LIMITS.lineChars + 1);
    expect(long[0].endsWith('…')).toBe(true);
    expect(long[1]).toBe('next');
    // A line with no newline in sight is cut once, the rest of it dropped.
    const huge = s.push(Buffer.from('w'.repeat(FOLLOW_LIMITS.lineChars * 4 + 1)));
    expect(huge).toHaveLength(1);
    expect(s.push(Buffer.from('www\nafter\n'))).toEqual(['after']);
  });
});
