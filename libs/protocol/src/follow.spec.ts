import { generateKeyPairSync } from 'node:crypto';
import {
  followKeepaliveSigningPayload,
  followStartSigningPayload,
  followStopSigningPayload,
  signPayload,
  verifyPayload,
} from './crypto';
import { encodeFrame, parseFrame } from './envelope';
import {
  FOLLOW_LIMITS,
  type FollowStartBody,
  followLines,
  followPathProblem,
  followSource,
  followStart,
  followStatus,
  followStop,
  followKeepalive,
  isJournalUnit,
} from './follow';
import { sampleBodies } from './test-support/samples';

const samples = sampleBodies();
const start = samples.follow_start;

const refused = (check: { ok: boolean; path?: unknown[]; reason?: string }) => {
  expect(check.ok).toBe(false);
  return check as { ok: false; path: (string | number)[]; reason: string };
};

describe('follow_start', () => {
  it('accepts the sample, a journald unit and lastLines 0', () => {
    expect(followStart(start).ok).toBe(true);
    expect(followStart({ ...start, source: { type: 'journald', unit: 'nginx.service' } }).ok).toBe(
      true,
    );
    expect(followStart({ ...start, lastLines: 0 }).ok).toBe(true);
    expect(followStart({ ...start, source: { type: 'file', path: 'C:\\Logs\\app.log' } }).ok).toBe(
      true,
    );
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a relative path', { source: { type: 'file', path: 'var/log/syslog' } }, 'source.path'],
    ['a glob', { source: { type: 'file', path: '/var/log/*.log' } }, 'source.path'],
    ['a newline in the path', { source: { type: 'file', path: '/var/log/a\nb' } }, 'source.path'],
    ['an empty path', { source: { type: 'file', path: '' } }, 'source.path'],
    ['a glob source type', { source: { type: 'eventlog', log: 'System' } }, 'source.type'],
    ['a unit that is an option', { source: { type: 'journald', unit: '--all' } }, 'source.unit'],
    ['a unit with a space', { source: { type: 'journald', unit: 'a b' } }, 'source.unit'],
    ['a unit missing', { source: { type: 'journald' } }, 'source.unit'],
    ['an extra source field', { source: { type: 'file', path: '/x', unit: 'y' } }, 'source.unit'],
    ['lastLines over the cap', { lastLines: FOLLOW_LIMITS.lastLines.max + 1 }, 'lastLines'],
    ['negative lastLines', { lastLines: -1 }, 'lastLines'],
    ['a rate of 0 lines', { linesPerSecond: 0 }, 'linesPerSecond'],
    ['a byte rate over the cap', { bytesPerSecond: 1024 * 1024 + 1 }, 'bytesPerSecond'],
    ['a fractional keepalive', { keepaliveTimeoutMs: 60_000.5 }, 'keepaliveTimeoutMs'],
    ['a keepalive too short', { keepaliveTimeoutMs: 10 }, 'keepaliveTimeoutMs'],
    ['an upper-case follow id', { followId: start.followId.toUpperCase() }, 'followId'],
    ['expiry before issue', { expiresAt: start.issuedAt - 1 }, 'expiresAt'],
    ['expiry too far', { expiresAt: start.issuedAt + FOLLOW_LIMITS.validityMs + 1 }, 'expiresAt'],
    ['a short nonce', { nonce: Buffer.alloc(16).toString('base64') }, 'nonce'],
    ['a signature that is not base64', { signature: '!'.repeat(88) }, 'signature'],
    ['an allow list that is not a list', { allow: '/var/log/**' }, 'allow'],
    ['an empty deny glob', { deny: [''] }, 'deny.0'],
    ['an unknown field', { command: 'rm -rf /' }, 'command'],
  ])('refuses %s', (_, change, where) => {
    const check = refused(followStart({ ...start, ...change }));
    expect(check.path.join('.')).toBe(where);
    expect(check.reason).toEqual(expect.any(String));
  });

  it('refuses a non-object and null', () => {
    for (const input of [null, 'start', 42, [], undefined])
      expect(followStart(input).ok).toBe(false);
  });
});

describe('follow sources', () => {
  it('names the problem of a path', () => {
    expect(followPathProblem('/var/log/syslog')).toBeNull();
    expect(followPathProblem('/var/log/../../etc/shadow')).toBeNull(); // judged after realpath
    expect(followPathProblem('syslog')).toBe('must be an absolute path');
    expect(followPathProblem('/var/log/[ab].log')).toBe('must name one file (no glob characters)');
    expect(followPathProblem('/var/\u0007log')).toBe('contains a control character');
  });

  it('takes systemd unit names and nothing option-like', () => {
    for (const ok of ['nginx.service', 'getty@tty1.service', 'sys-kernel.mount', 'x'])
      expect(isJournalUnit(ok)).toBe(true);
    for (const bad of ['', '-f', '--output=json', 'a;b', 'a b', 'x'.repeat(257), 'ü'])
      expect(isJournalUnit(bad)).toBe(false);
    expect(refused(followSource({ type: 'journald', unit: '-n' })).path).toEqual(['unit']);
  });
});

describe('follow_stop and follow_keepalive', () => {
  it('accept the samples', () => {
    expect(followStop(samples.follow_stop).ok).toBe(true);
    expect(followKeepalive(samples.follow_keepalive).ok).toBe(true);
  });
  it('refuse bad shapes', () => {
    expect(followStop({ ...samples.follow_stop, signature: undefined }).ok).toBe(false);
    expect(followStop({ ...samples.follow_stop, followId: 'x' }).ok).toBe(false);
    expect(followKeepalive({ ...samples.follow_keepalive, followIds: [] }).ok).toBe(false);
    const many = Array.from({ length: FOLLOW_LIMITS.keepaliveIds + 1 }, () => start.followId);
    expect(followKeepalive({ ...samples.follow_keepalive, followIds: many }).ok).toBe(false);
    expect(followKeepalive({ ...samples.follow_keepalive, issuedAt: -1 }).ok).toBe(false);
  });
});

describe('follow_status', () => {
  it('accepts following without a reason and ended with one', () => {
    expect(followStatus(samples.follow_status).ok).toBe(true);
    expect(
      followStatus({ followId: start.followId, state: 'following', message: 'reading /x' }).ok,
    ).toBe(true);
  });
  it.each<[string, Record<string, unknown>, string]>([
    ['ended without a reason', { state: 'ended', reason: undefined }, 'reason'],
    ['following with a reason', { state: 'following', reason: 'idle' }, 'reason'],
    ['an unknown reason', { reason: 'bored' }, 'reason'],
    ['an unknown state', { state: 'paused' }, 'state'],
    ['an over-long message', { message: 'x'.repeat(FOLLOW_LIMITS.messageChars + 1) }, 'message'],
    ['an empty real path', { realPath: '' }, 'realPath'],
  ])('refuses %s', (_, change, where) => {
    const body = { ...samples.follow_status, ...change };
    if (change.reason === undefined && 'reason' in change)
      delete (body as { reason?: unknown }).reason;
    expect(refused(followStatus(body)).path.join('.')).toBe(where);
  });
});

describe('follow_lines', () => {
  const lines = samples.follow_lines;
  it('accepts the sample, a frame of only a skip count, and one of only a notice', () => {
    expect(followLines(lines).ok).toBe(true);
    expect(followLines({ followId: lines.followId, seq: 0, lines: [], skippedLines: 5 }).ok).toBe(
      true,
    );
    expect(followLines({ followId: lines.followId, seq: 0, lines: [], notice: 'rotated' }).ok).toBe(
      true,
    );
  });
  it.each<[string, Record<string, unknown>, string]>([
    [
      'an empty frame',
      { lines: [], skippedLines: undefined, skippedBytes: undefined, notice: undefined },
      'lines',
    ],
    [
      'too many lines',
      { lines: Array.from({ length: FOLLOW_LIMITS.linesPerFrame + 1 }, () => 'a') },
      'lines',
    ],
    ['an over-long line', { lines: ['x'.repeat(FOLLOW_LIMITS.lineChars + 2)] }, 'lines.0'],
    ['a NUL in a line', { lines: ['a\u0000b'] }, 'lines.0'],
    ['a line that is not a string', { lines: [42] }, 'lines.0'],
    ['a negative skip count', { skippedLines: -1 }, 'skippedLines'],
    ['a fractional seq', { seq: 1.5 }, 'seq'],
    ['an empty notice', { notice: '' }, 'notice'],
  ])('refuses %s', (_, change, where) => {
    const body: Record<string, unknown> = { ...lines, ...change };
    for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
    expect(refused(followLines(body)).path.join('.')).toBe(where);
  });

  it('is refused from the server and accepted from the agent', () => {
    const frame = encodeFrame('follow_lines', lines);
    expect(parseFrame(frame, { from: 'agent' }).ok).toBe(true);
    const fromServer = parseFrame(frame, { from: 'server' });
    expect(fromServer.ok || fromServer.error.code).toBe('UNKNOWN_TYPE');
  });

  it('fits a full frame of the longest lines under the frame limit', () => {
    const full = {
      followId: lines.followId,
      seq: 1,
      lines: Array.from({ length: FOLLOW_LIMITS.linesPerFrame }, () =>
        'x'.repeat(FOLLOW_LIMITS.lineChars + 1),
      ),
    };
    expect(() => encodeFrame('follow_lines', full)).not.toThrow();
  });
});

describe('follow signatures', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const body: Omit<FollowStartBody, 'signature'> = { ...start };
  delete (body as { signature?: string }).signature;
  const signature = signPayload(privateKey, followStartSigningPayload(body));

  it('verifies the start as signed', () => {
    expect(verifyPayload(publicKey, followStartSigningPayload(body), signature)).toBe(true);
  });

  it.each<[string, Partial<FollowStartBody>]>([
    ['another path', { source: { type: 'file', path: '/etc/shadow' } }],
    [
      'a unit of the same name',
      { source: { type: 'journald', unit: '/var/log/nginx/access.log' } },
    ],
    ['another device', { deviceId: '00000000-0000-4000-8000-000000000000' }],
    ['a wider allow list', { allow: ['/var/log/**', '/**'] }],
    ['a deny glob dropped', { deny: [] }],
    ['a glob moved from deny to allow', { allow: ['/var/log/**', '**/*.key'], deny: [] }],
    ['a higher rate', { linesPerSecond: 5000 }],
    ['more lines', { lastLines: 200 }],
    ['a later expiry', { expiresAt: start.expiresAt + 1 }],
    ['a longer keepalive', { keepaliveTimeoutMs: 3_600_000 }],
  ])('breaks with %s', (_, change) => {
    expect(
      verifyPayload(publicKey, followStartSigningPayload({ ...body, ...change }), signature),
    ).toBe(false);
  });

  it('keeps stop and keepalive signatures to their own purpose and fields', () => {
    const stop = signPayload(privateKey, followStopSigningPayload(start.followId, start.deviceId));
    expect(
      verifyPayload(publicKey, followStopSigningPayload(start.followId, start.deviceId), stop),
    ).toBe(true);
    const other = '00000000-0000-4000-8000-000000000000';
    expect(verifyPayload(publicKey, followStopSigningPayload(other, start.deviceId), stop)).toBe(
      false,
    );
    const keepalive = { deviceId: start.deviceId, followIds: [start.followId], issuedAt: 5 };
    const sig = signPayload(privateKey, followKeepaliveSigningPayload(keepalive));
    expect(verifyPayload(publicKey, followKeepaliveSigningPayload(keepalive), sig)).toBe(true);
    expect(
      verifyPayload(publicKey, followKeepaliveSigningPayload({ ...keepalive, issuedAt: 6 }), sig),
    ).toBe(false);
    expect(
      verifyPayload(
        publicKey,
        followKeepaliveSigningPayload({ ...keepalive, followIds: [start.followId, other] }),
        sig,
      ),
    ).toBe(false);
    // A stop signature is not a keepalive, even over the same ids.
    expect(verifyPayload(publicKey, followKeepaliveSigningPayload(keepalive), stop)).toBe(false);
  });
});
