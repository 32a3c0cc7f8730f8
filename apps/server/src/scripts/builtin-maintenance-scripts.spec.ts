import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAINTENANCE_SCRIPTS } from './builtin-maintenance-scripts';

/**
 * Runs the maintenance built-ins for real with bash, as an agent would (the body from a
 * file, parameters only as environment variables). smartctl is replaced by a stub on PATH to
 * show each answer a disk can give; the real machine (no smartctl) shows the UNKNOWN path.
 */
const HOST_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
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
    execFile('bash', [file], { env: { PATH: path, ...env }, timeout: 60_000 }, (e, o, s) =>
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
