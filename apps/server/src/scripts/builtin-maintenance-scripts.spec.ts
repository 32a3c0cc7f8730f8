import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAINTENANCE_SCRIPTS } from './builtin-maintenance-scripts';

/**
 * Runs the maintenance built-ins for real with bash, as an agent would (the body from a
 * file, parameters only as environment variables). smartctl is replaced by a stub on PATH to
 * show each answer a disk can give; the real machine (no smartctl) shows the UNKNOWN path.
 */
const HOST_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
/** Absolute, so a test may run a script with a PATH that has no bash on it. */
const BASH =
  HOST_PATH.split(':')
    .map((dir) => join(dir, 'bash'))
    .find((file) => existsSync(file)) ?? '/bin/bash';
let work: string;
let n = 0;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fleetdesk-maint-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function body(name: string): string {
  const b = MAINTENANCE_SCRIPTS.find((s) => s.name === name);
  if (!b) throw new Error(`no built-in named ${name}`);
  return b.body;
}

async function run(name: string, env: Record<string, string>, path = HOST_PATH) {
  n += 1;
  const file = join(work, `script-${n}.sh`);
  await writeFile(file, body(name));
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(BASH, [file], { env: { PATH: path, ...env }, timeout: 60_000 }, (e, o, s) =>
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, stdout: o, stderr: s }),
    ),
  );
}

/** A PATH whose smartctl is a stub running `logic` (argv in $1…). */
async function smartctlStub(logic: string): Promise<string> {
  n += 1;
  const dir = join(work, `stub-${n}`);
  await mkdir(dir);
  await writeFile(join(dir, 'smartctl'), `#!/bin/sh\n${logic}\n`);
  await chmod(join(dir, 'smartctl'), 0o755);
  return `${dir}:${HOST_PATH}`;
}

describe('Back up a directory', () => {
  async function source(): Promise<string> {
    n += 1;
    const dir = join(work, `data-${n}`, 'site');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'a.txt'), 'alpha');
    await writeFile(join(dir, 'sub', 'b.txt'), 'beta');
    return dir;
  }
  const list = (dir: string) =>
    new Promise<string>((resolve, reject) =>
      execFile('tar', ['-tzf', dir], (e, o) => (e ? reject(new Error(e.message)) : resolve(o))),
    );

  it('writes a complete tar.gz of the directory and keeps only the KEEP newest', async () => {
    const src = await source();
    const dest = join(work, `backups-${n}`);
    // Older archives of the same name, and an unrelated file rotation must not touch.
    await mkdir(dest);
    for (const stamp of ['20200101-000000', '20210101-000000', '20220101-000000'])
      await writeFile(join(dest, `site-${stamp}.tar.gz`), 'old');
    await writeFile(join(dest, 'other-20200101-000000.tar.gz'), 'keep me');
    const r = await run('Back up a directory', { SOURCE_DIR: src, DEST_DIR: dest, KEEP: '2' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = (await readdir(dest)).sort();
    const old = ['20200101-000000', '20210101-000000', '20220101-000000'];
    const fresh = files.filter(
      (f) => /^site-\d{8}-\d{6}\.tar\.gz$/.test(f) && !old.some((o) => f.includes(o)),
    );
    expect(fresh).toHaveLength(1);
    expect(files).toEqual(
      ['other-20200101-000000.tar.gz', 'site-20220101-000000.tar.gz', fresh[0]].sort(),
    );
    expect((await list(join(dest, fresh[0]))).split('\n').filter(Boolean).sort()).toEqual([
      'site/',
      'site/a.txt',
      'site/sub/',
      'site/sub/b.txt',
    ]);
    expect(r.stdout).toContain('removed 2');
  });

  it.each([
    [{ DEST_DIR: '/tmp/x' }, /SOURCE_DIR must be an absolute path/],
    [{ SOURCE_DIR: 'relative', DEST_DIR: '/tmp/x' }, /SOURCE_DIR must be an absolute path/],
    [{ SOURCE_DIR: '/nonexistent-fleetdesk', DEST_DIR: '/tmp/x' }, /is not a directory/],
    [{ SOURCE_DIR: '/', DEST_DIR: '/tmp/x' }, /must not be \//],
    [{ SOURCE_DIR: '/tmp', DEST_DIR: '/tmp/x', KEEP: '0' }, /KEEP must be from 1 to 365/],
    [{ SOURCE_DIR: '/tmp', DEST_DIR: '/tmp/x', KEEP: '3; rm -rf /' }, /KEEP must be a whole/],
  ])('refuses %j with exit 2', async (env, message) => {
    const r = await run('Back up a directory', env as Record<string, string>);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('refuses a destination inside the source', async () => {
    const src = await source();
    const r = await run('Back up a directory', { SOURCE_DIR: src, DEST_DIR: join(src, 'bk') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('must not be inside SOURCE_DIR');
  });

  it('leaves no partial archive when tar fails', async () => {
    const src = await source();
    const dest = join(work, `fail-${n}`);
    n += 1;
    const bin = join(work, `tarstub-${n}`);
    await mkdir(bin);
    await writeFile(join(bin, 'tar'), '#!/bin/sh\necho half > "$2"\nexit 2\n');
    await chmod(join(bin, 'tar'), 0o755);
    const r = await run(
      'Back up a directory',
      { SOURCE_DIR: src, DEST_DIR: dest },
      `${bin}:${HOST_PATH}`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tar failed');
    expect(await readdir(dest)).toEqual([]);
  });
});

describe('Check disk health', () => {
  it('on this machine without smartctl: UNKNOWN with the reason, exit 3', async () => {
    if (existsSync('/usr/sbin/smartctl') || existsSync('/usr/bin/smartctl')) return;
    const r = await run('Check disk health', {});
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('UNKNOWN: smartctl (smartmontools) is not installed');
  });

  it('reports each disk and exits 0 when all pass, 1 when one fails', async () => {
    const scan =
      'if [ "$1" = --scan ]; then echo "/dev/sda -d sat # /dev/sda"; echo "/dev/nvme0 -d nvme # nvme"; exit 0; fi';
    const ok = await smartctlStub(
      `${scan}\ncase "$3" in /dev/sda) echo "SMART overall-health self-assessment test result: PASSED";; *) echo "SMART Health Status: OK";; esac`,
    );
    const good = await run('Check disk health', {}, ok);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain('PASSED  /dev/sda');
    expect(good.stdout).toContain('PASSED  /dev/nvme0');
    expect(good.stdout).toContain('Disks: 2 passed, 0 failed, 0 unknown.');

    const bad = await smartctlStub(
      `${scan}\ncase "$3" in /dev/sda) echo "SMART overall-health self-assessment test result: FAILED!"; exit 8;; *) echo "SMART Health Status: OK";; esac`,
    );
    const failing = await run('Check disk health', {}, bad);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('FAILED  /dev/sda');
    expect(failing.stdout).toContain('Disks: 1 passed, 1 failed, 0 unknown.');
  });

  it('is UNKNOWN when no disk reports SMART, or none answers', async () => {
    const none = await run('Check disk health', {}, await smartctlStub('exit 0'));
    expect(none.code).toBe(3);
    expect(none.stdout).toContain('found no disk that reports SMART');
    const silent = await smartctlStub(
      'if [ "$1" = --scan ]; then echo "/dev/sda -d sat # x"; exit 0; fi\necho "Unavailable - device lacks SMART capability."; exit 4',
    );
    const r = await run('Check disk health', {}, silent);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('UNKNOWN /dev/sda (smartctl exit 4)');
  });
});

describe('Apply updates and reboot if required', () => {
  const NAME = 'Apply updates and reboot if required';

  /** Stub commands that log their argv to `calls`; `toolsOnly` leaves the host's bin dirs out. */
  async function stubs(commands: Record<string, string>, toolsOnly = false) {
    n += 1;
    const dir = join(work, `ustubs-${n}`);
    await mkdir(dir);
    const log = join(dir, 'calls');
    await writeFile(log, '');
    for (const [name, logic] of Object.entries(commands)) {
      await writeFile(join(dir, name), `#!/bin/sh\necho "${name} $*" >> '${log}'\n${logic}\n`);
      await chmod(join(dir, name), 0o755);
    }
    let path = `${dir}:${HOST_PATH}`;
    if (toolsOnly) {
      // No apt-get on this PATH: only the few tools the script uses besides the stubs.
      const tools = join(dir, 'tools');
      await mkdir(tools);
      for (const tool of ['id', 'grep', 'tail', 'rm', 'tee']) {
        const real = HOST_PATH.split(':')
          .map((d) => join(d, tool))
          .find((f) => existsSync(f));
        if (real) await symlink(real, join(tools, tool));
      }
      path = `${dir}:${tools}`;
    }
    const calls = async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean);
    return { path, calls };
  }

  it('DRY_RUN on this machine lists updates with the real apt-get and changes nothing', async () => {
    const s = await stubs({ shutdown: 'exit 0' });
    const r = await run(NAME, { DRY_RUN: 'true' }, s.path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Package manager: apt-get');
    expect(r.stdout).toMatch(/DRY RUN: \d+ update\(s\) would be installed; nothing was changed\./);
    expect(r.stdout).toMatch(/Restart needed now: (yes|no)\./);
    expect(await s.calls()).toEqual([]);
  });

  it('installs with apt-get and, with no restart needed, schedules none', async () => {
    if (existsSync('/var/run/reboot-required')) return;
    const s = await stubs({ 'apt-get': 'exit 0', shutdown: 'exit 0', uname: 'echo Linux' });
    const r = await run(NAME, {}, s.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('No restart needed.');
    expect((await s.calls()).filter((c) => !c.startsWith('uname'))).toEqual([
      'apt-get -q update',
      'apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold upgrade',
    ]);
  });

  it('schedules the restart with the delay and a literal message when dnf says one is needed', async () => {
    const s = await stubs(
      { dnf: 'exit 0', 'needs-restarting': 'exit 1', shutdown: 'exit 0', uname: 'echo Linux' },
      true,
    );
    const message = 'Back in 10 min $(touch /tmp/fleetdesk-pwned) `id`';
    const r = await run(NAME, { REBOOT_DELAY_MINUTES: '7', MESSAGE: message }, s.path);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('scheduled in 7 minute(s)');
    expect((await s.calls()).filter((c) => !c.startsWith('uname'))).toEqual([
      'dnf -y upgrade',
      'needs-restarting -r',
      `shutdown -r +7 ${message}`,
    ]);
    expect(existsSync('/tmp/fleetdesk-pwned')).toBe(false);

    const noReboot = await stubs(
      { dnf: 'exit 0', 'needs-restarting': 'exit 1', shutdown: 'exit 0', uname: 'echo Linux' },
      true,
    );
    const kept = await run(NAME, { REBOOT: 'false' }, noReboot.path);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain('REBOOT=false, so none was scheduled');
    expect((await noReboot.calls()).some((c) => c.startsWith('shutdown'))).toBe(false);
  });

  it('exits 1 when the update fails, 3 without a package manager', async () => {
    const s = await stubs({ 'apt-get': 'exit 100', shutdown: 'exit 0', uname: 'echo Linux' });
    const r = await run(NAME, {}, s.path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apt-get failed (exit 100)');
    expect((await s.calls()).some((c) => c.startsWith('shutdown'))).toBe(false);
    const none = await stubs({ uname: 'echo Linux' }, true);
    const r3 = await run(NAME, {}, none.path);
    expect(r3.code).toBe(3);
    expect(r3.stderr).toContain('no supported package manager');
  });

  it.each([
    [{ DRY_RUN: 'yes' }, /DRY_RUN must be true or false/],
    [{ REBOOT: '1' }, /REBOOT must be true or false/],
    [{ REBOOT_DELAY_MINUTES: '0' }, /from 1 to 1440/],
    [{ REBOOT_DELAY_MINUTES: '5; reboot' }, /whole number of minutes/],
    [{ MESSAGE: 'two\nlines' }, /one line of printable text/],
    [{ MESSAGE: 'x'.repeat(201) }, /at most 200 characters/],
  ])('refuses %j with exit 2 and calls nothing', async (env, message) => {
    const s = await stubs({ 'apt-get': 'exit 0', shutdown: 'exit 0' });
    const r = await run(NAME, env as Record<string, string>, s.path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(await s.calls()).toEqual([]);
  });
});
