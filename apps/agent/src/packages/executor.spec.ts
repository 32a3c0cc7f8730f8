import { createAdapter } from './adapters';
import { interpretExit, runPackageCommand, type RunCommandOptions } from './executor';
import { fakeSpawner, type FakeReply } from './test-support/fake-spawner';
import { isRefusal, type PackageCommand } from './types';

const built = (b: ReturnType<ReturnType<typeof createAdapter>['install']>): PackageCommand => {
  if (isRefusal(b)) throw new Error(b.refused);
  return b;
};

const APT_INSTALL = built(createAdapter('apt', { lockWaitSeconds: 60 }).install('hello'));
const APT_KEY = [APT_INSTALL.file, ...APT_INSTALL.args].join(' ');
const APT_LOCKED: FakeReply = {
  code: 100,
  stderr:
    'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (unattended-upgr)\n',
};

/** A clock that moves only when the backoff sleeps, so no test waits for real. */
function fakeClock() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: (ms: number) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
  };
}

function options(spawner: RunCommandOptions['spawner'], extra: RunCommandOptions = {}) {
  const clock = fakeClock();
  return {
    clock,
    o: {
      spawner,
      platform: 'linux' as const,
      baseEnv: { PATH: '/usr/bin', LANG: 'fr_FR.UTF-8' },
      sleep: clock.sleep,
      now: clock.now,
      killTree: (child: { kill(s: NodeJS.Signals): boolean }, signal: NodeJS.Signals) =>
        void child.kill(signal),
      ...extra,
    },
  };
}

describe('interpretExit', () => {
  const cmd = {
    exitCodes: { 100: 'ok', [0x8a15002b]: 'nothing-to-do' } as const,
    lockOutput: /Could not get lock/,
    nothingOutput: /^0 upgraded, 0 newly installed/m,
  };
  it.each([
    [0, '', 'ok'],
    [0, '0 upgraded, 0 newly installed, 0 to remove and 3 not upgraded.', 'nothing-to-do'],
    [100, '', 'ok'],
    [1, 'E: Could not get lock /var/lib/dpkg/lock', 'lock-held'],
    [1, 'E: Unable to locate package nosuch', 'failed'],
    [null, '', 'failed'],
    // Windows reports HRESULTs as signed or unsigned numbers; both mean the same code.
    [-1978335189, '', 'nothing-to-do'],
    [0x8a15002b, '', 'nothing-to-do'],
  ] as const)('exit %s with %j is %s', (code, output, meaning) => {
    expect(interpretExit(cmd, code, output)).toBe(meaning);
  });
});

describe('runPackageCommand', () => {
  it('spawns the argument array without a shell, with the command environment over the agent one', async () => {
    const fake = fakeSpawner({ [APT_KEY]: { stdout: 'Setting up hello (2.10-3) ...\n' } });
    const { o } = options(fake.spawner);
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(r.meaning).toBe('ok');
    expect(r.stdout).toBe('Setting up hello (2.10-3) ...\n');
    expect(fake.calls).toHaveLength(1);
    const call = fake.calls[0]!;
    expect(call.file).toBe('apt-get');
    expect(call.args).toEqual(APT_INSTALL.args);
    expect(call.request.detached).toBe(true);
    expect(call.request.env).toMatchObject({
      PATH: '/usr/bin',
      DEBIAN_FRONTEND: 'noninteractive',
      LC_ALL: 'C',
    });
    expect(call.request.uid).toBeUndefined();
  });

  it('waits out a held lock with growing backoff, then succeeds', async () => {
    const fake = fakeSpawner({
      [APT_KEY]: [APT_LOCKED, APT_LOCKED, APT_LOCKED, { stdout: 'ok\n' }],
    });
    const { o, clock } = options(fake.spawner);
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(r.meaning).toBe('ok');
    expect(r.attempts).toBe(4);
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
  });

  it('gives up on a lock after the wait limit, saying so', async () => {
    const fake = fakeSpawner({ [APT_KEY]: APT_LOCKED });
    const { o, clock } = options(fake.spawner, { lockWaitMs: 60_000 });
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(r.meaning).toBe('lock-held');
    expect(r.error).toMatch(/another process held the apt-get lock; gave up after waiting \d+ s/);
    // The next wait (30 s, from 31 s) would pass the 60 s limit.
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(r.attempts).toBe(6);
    expect(r.error).toMatch(/after waiting 31 s/);
  });

  it('does not retry a failure that is not the lock', async () => {
    const fake = fakeSpawner({
      [APT_KEY]: { code: 100, stderr: 'E: Unable to locate package hello\n' },
    });
    const { o, clock } = options(fake.spawner);
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(r.meaning).toBe('failed');
    expect(r.attempts).toBe(1);
    expect(clock.sleeps).toEqual([]);
    expect(r.error).toMatch(/apt-get .* exited with code 100: E: Unable to locate package hello/);
  });

  it('retries on a lock exit code (zypper 7) and runs again when zypper updated itself (103)', async () => {
    const zypper = built(createAdapter('zypper', { lockWaitSeconds: 60 }).install('curl'));
    const key = [zypper.file, ...zypper.args].join(' ');
    const fake = fakeSpawner({ [key]: [{ code: 7 }, { code: 103 }, { code: 0 }] });
    const { o, clock } = options(fake.spawner);
    const r = await runPackageCommand(zypper, o);
    expect(r.meaning).toBe('ok');
    expect(r.attempts).toBe(3);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('stops a command that outlives its time limit: SIGTERM, then SIGKILL', async () => {
    const fake = fakeSpawner({ [APT_KEY]: { hang: true } });
    const kills: NodeJS.Signals[] = [];
    const { o } = options(fake.spawner, {
      timeoutMs: 20,
      killGraceMs: 10,
      // The first signal is ignored, as a busy dpkg might.
      killTree: (child, signal) => {
        kills.push(signal);
        if (signal === 'SIGKILL') child.kill(signal);
      },
    });
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(kills).toEqual(['SIGTERM', 'SIGKILL']);
    expect(r.meaning).toBe('failed');
    expect(r.timedOut).toBe(true);
    expect(r.error).toMatch(/did not finish within 0 s and was stopped/);
  });

  it('stops when its signal aborts', async () => {
    const fake = fakeSpawner({ [APT_KEY]: { hang: true } });
    const controller = new AbortController();
    const { o } = options(fake.spawner, { signal: controller.signal });
    const pending = runPackageCommand(APT_INSTALL, o);
    setTimeout(() => controller.abort(), 5);
    const r = await pending;
    expect(r.meaning).toBe('failed');
    expect(r.error).toMatch(/was stopped/);
    expect(fake.kills).toEqual(['SIGTERM']);
  });

  it('caps captured output and says it did', async () => {
    const fake = fakeSpawner({ [APT_KEY]: { stdout: 'x'.repeat(5000) } });
    const chunks: Buffer[] = [];
    const { o } = options(fake.spawner, {
      maxOutputBytes: 1000,
      onOutput: (_stream, chunk) => chunks.push(chunk),
    });
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(r.stdout).toHaveLength(1000);
    expect(r.truncated).toBe(true);
    // Live output still sees all of it.
    expect(Buffer.concat(chunks).length).toBe(5000);
  });

  it('reports a manager that is not installed', async () => {
    const fake = fakeSpawner({});
    const { o } = options(fake.spawner);
    const r = await runPackageCommand(APT_INSTALL, o);
    expect(r).toMatchObject({ meaning: 'failed', error: 'apt-get was not found on this device' });
  });

  it('starts a command that must run as another user with that uid, gid and HOME', async () => {
    const runAs = { uid: 501, gid: 20, user: 'alice', home: '/Users/alice' };
    const brew = built(createAdapter('brew', { lockWaitSeconds: 60, runAs }).install('wget'));
    const fake = fakeSpawner({ 'brew install -- wget': { stdout: '' } });
    const { o } = options(fake.spawner, { baseEnv: { HOME: '/var/root', USER: 'root' } });
    await runPackageCommand(brew, o);
    expect(fake.calls[0]?.request).toMatchObject({
      uid: 501,
      gid: 20,
      env: { HOME: '/Users/alice', USER: 'alice', LOGNAME: 'alice', HOMEBREW_NO_AUTO_UPDATE: '1' },
    });
  });

  it('runs a real program without a shell: metacharacters reach it as plain argv', async () => {
    const r = await runPackageCommand(
      {
        file: process.execPath,
        args: [
          '-e',
          'console.log(JSON.stringify(process.argv.slice(1)))',
          'a; echo pwned',
          '$(id)',
        ],
        env: {},
        exitCodes: {},
      },
      { timeoutMs: 30_000 },
    );
    expect(r.meaning).toBe('ok');
    expect(JSON.parse(r.stdout)).toEqual(['a; echo pwned', '$(id)']);
  });

  it('reports a real program that does not exist, without hanging', async () => {
    const r = await runPackageCommand(
      { file: 'fleetdesk-no-such-manager', args: ['--version'], env: {}, exitCodes: {} },
      { timeoutMs: 30_000 },
    );
    expect(r).toMatchObject({
      meaning: 'failed',
      exitCode: null,
      error: 'fleetdesk-no-such-manager was not found on this device',
    });
  });

  it('kills a real process group that outlives its time limit', async () => {
    const started = Date.now();
    const r = await runPackageCommand(
      {
        file: process.execPath,
        args: ['-e', 'setInterval(() => {}, 1000)'],
        env: {},
        exitCodes: {},
      },
      { timeoutMs: 200, killGraceMs: 2_000 },
    );
    expect(r).toMatchObject({ meaning: 'failed', timedOut: true, signal: 'SIGTERM' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
