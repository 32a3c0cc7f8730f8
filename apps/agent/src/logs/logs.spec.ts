import { DEFAULT_LOG_DENY_GLOBS } from '@fleetdesk/api-types';
import { FilterTimeout, lineMatcher } from './filter';
import { lineTime, selectLines } from './lines';
import { pathPolicy } from './policy';
import { journalctlArgs, wevtutilArgs } from './sources';

/** The parts as a stream would deliver them: one chunk at a time, asynchronously. */
async function* chunks(...parts: string[]): AsyncIterable<Buffer> {
  for (const p of parts) {
    await Promise.resolve();
    yield Buffer.from(p);
  }
}
const all = lineMatcher(undefined);

describe('pathPolicy', () => {
  const policy = pathPolicy({
    allow: ['/var/log/**', '/home/*/app/*.log'],
    deny: [...DEFAULT_LOG_DENY_GLOBS],
    ownStateDir: '/var/lib/fleetdesk',
    platform: 'linux',
  });

  it.each([
    ['/var/log/syslog', true],
    ['/var/log/nginx/access.log', true],
    ['/home/ann/app/server.log', true],
    ['/home/ann/app/deep/server.log', false],
    ['/etc/passwd', false],
  ])('allows %s: %s', (path, ok) => expect(policy.check(path).ok).toBe(ok));

  it.each([
    '/etc/shadow',
    '/var/log/.ssh/id_rsa',
    '/var/log/backup/server.key',
    '/var/log/x/.mozilla/firefox/profile/cookies.sqlite',
    '/var/log/store.kdbx',
  ])('denies %s even inside the allow-list', (path) =>
    expect(policy.check(path)).toMatchObject({ ok: false, reason: 'denied' }),
  );

  it("denies the agent's own state directory whatever the lists say", () => {
    const open = pathPolicy({ allow: ['/**'], deny: [], ownStateDir: '/var/lib/fleetdesk/' });
    expect(open.check('/var/lib/fleetdesk/state.json')).toMatchObject({ reason: 'denied' });
    expect(open.check('/var/lib/fleetdesk')).toMatchObject({ reason: 'denied' });
    expect(open.check('/var/lib/fleetdesk-other/x.log').ok).toBe(true);
  });

  it('judges Windows paths with either slash and in any case', () => {
    const win = pathPolicy({
      allow: ['C:/ProgramData/**/*.log'],
      deny: [...DEFAULT_LOG_DENY_GLOBS],
      ownStateDir: 'C:\\ProgramData\\Fleetdesk',
      platform: 'win32',
    });
    expect(win.check('C:\\ProgramData\\App\\app.log').ok).toBe(true);
    expect(win.check('c:\\programdata\\app\\APP.LOG').ok).toBe(true);
    expect(win.check('C:\\programdata\\fleetdesk\\x.log')).toMatchObject({ reason: 'denied' });
    expect(win.check('C:\\Windows\\System32\\config\\SAM')).toMatchObject({ ok: false });
  });
});

describe('lineTime', () => {
  it('reads ISO stamps with or without zone, and syslog stamps', () => {
    expect(lineTime('2026-11-20T10:00:00.123Z x')).toBe(Date.parse('2026-11-20T10:00:00.123Z'));
    expect(lineTime('2026-11-20T10:00:00.000000+0100 host x')).toBe(
      Date.parse('2026-11-20T09:00:00Z'),
    );
    expect(lineTime('[2026-11-20 10:00:00,5] x')).toBe(
      new Date(2026, 10, 20, 10, 0, 0, 500).getTime(),
    );
    const now = new Date(2026, 10, 29).getTime();
    expect(lineTime('Nov 20 10:00:00 host x', now)).toBe(new Date(2026, 10, 20, 10).getTime());
    // In January, a December stamp is last year's.
    expect(lineTime('Dec 31 23:00:00 host x', new Date(2027, 0, 1).getTime())).toBe(
      new Date(2026, 11, 31, 23).getTime(),
    );
    expect(lineTime('no stamp here')).toBeNull();
  });
});

describe('selectLines', () => {
  const text = async (...args: Parameters<typeof selectLines>) =>
    Buffer.concat((await selectLines(...args)).chunks).toString();

  it('keeps the last N lines across chunk borders, bytes unchanged', async () => {
    const out = await text(chunks('one\r\ntw', 'o\nthree\nfour'), {
      lastLines: 2,
      maxBytes: 1e6,
      matcher: all,
    });
    expect(out).toBe('three\nfour');
  });

  it('keeps stamp-less lines with the stamped line before them', async () => {
    const input = [
      'preamble\n',
      '2026-11-20T10:00:00Z a\n',
      '  at stack 1\n',
      '2026-11-20T10:01:00Z b\n',
      '  at stack 2\n',
      '2026-11-20T10:02:00Z c\n',
    ];
    const out = await text(chunks(...input), {
      since: Date.parse('2026-11-20T10:01:00Z'),
      until: Date.parse('2026-11-20T10:01:30Z'),
      maxBytes: 1e6,
      matcher: all,
    });
    expect(out).toBe('2026-11-20T10:01:00Z b\n  at stack 2\n');
  });

  it('keeps the newest bytes past maxBytes and says it truncated', async () => {
    const got = await selectLines(chunks('aaaa\nbbbb\ncccc\n'), { maxBytes: 10, matcher: all });
    expect(Buffer.concat(got.chunks).toString()).toBe('bbbb\ncccc\n');
    expect(got.truncated).toBe(true);
  });

  it('filters by substring, case-insensitively when asked', async () => {
    const matcher = lineMatcher({
      mode: 'substring',
      pattern: 'ERROR',
      ignoreCase: true,
      timeoutMs: 1000,
    });
    const out = await text(chunks('ok\nan error\nERROR two\n'), { maxBytes: 1e6, matcher });
    expect(out).toBe('an error\nERROR two\n');
  });

  it('stops a catastrophic regular expression at its time limit', async () => {
    const matcher = lineMatcher({ mode: 'regex', pattern: '^(a+)+$', timeoutMs: 300 });
    const started = Date.now();
    await expect(
      selectLines(chunks(`${'a'.repeat(40)}!\n`), { maxBytes: 1e6, matcher }),
    ).rejects.toBeInstanceOf(FilterTimeout);
    expect(Date.now() - started).toBeLessThan(5000);
    await matcher.close();
  });
});

describe('command arguments', () => {
  it('builds journalctl arguments as an array', () => {
    expect(
      journalctlArgs(
        { type: 'journald', unit: 'nginx.service', priority: 3 },
        { since: 1_700_000_000_500, until: 1_700_000_100_000, lastLines: 50 },
      ),
    ).toEqual([
      '--no-pager',
      '--quiet',
      '--output=short-iso-precise',
      '--unit=nginx.service',
      '--priority=3',
      '--since=@1700000000',
      '--until=@1700000100',
      '--lines=50',
    ]);
  });

  it('builds the wevtutil query (not run here: no Windows runner)', () => {
    expect(
      wevtutilArgs(
        { type: 'eventlog', log: 'System', level: 2 },
        { since: Date.parse('2026-11-20T10:00:00Z') },
      ),
    ).toEqual([
      'qe',
      'System',
      "/q:*[System[(Level>=1 and Level<=2) and TimeCreated[@SystemTime>='2026-11-20T10:00:00.000Z']]]",
      '/f:text',
      '/rd:false',
    ]);
  });
});
