import { execFile } from 'node:child_process';
import {
  chmod,
  lstat,
  lutimes,
  mkdir,
  mkdtemp,
  readFile,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BUILTIN_SCRIPTS, type BuiltinScript } from './builtin-scripts';
import { contentProblems } from './script-content';
import { parameterProblems } from '@fleetdesk/api-types';
import { renderParams } from './script-parameters';

/**
 * Runs every built-in script for real with bash, as an agent would: the body from a file,
 * parameters only as environment variables. Service managers and DNS caches are replaced by
 * recording stubs on PATH where the real thing would change the machine; see each test.
 */

interface Result {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const HOST_PATH = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
const OLD = new Date('2000-01-01T00:00:00Z');
/** Absolute, so a test may run the script with a PATH that has no bash on it. */
const BASH =
  HOST_PATH.split(':')
    .map((dir) => join(dir, 'bash'))
    .find((file) => existsSync(file)) ?? '/bin/bash';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'fleetdesk-builtins-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function builtin(name: string) {
  const b = BUILTIN_SCRIPTS.find((s) => s.name === name);
  if (!b) throw new Error(`no built-in named ${name}`);
  return b;
}

let runs = 0;
async function runBody(
  body: string,
  env: Record<string, string>,
  opts: { path?: string; timeoutMs?: number } = {},
): Promise<Result> {
  runs += 1;
  const file = join(work, `script-${runs}.sh`);
  await writeFile(file, body);
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      BASH,
      [file],
      { env: { PATH: opts.path ?? HOST_PATH, ...env }, timeout: opts.timeoutMs ?? 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

const runBuiltin = (name: string, env: Record<string, string> = {}, path?: string) =>
  runBody(builtin(name).body, env, { path });

/** A directory of stub commands that append their argv to `calls` and exit as told. */
async function stubs(
  commands: Record<string, string>,
): Promise<{ path: string; calls: () => Promise<string[]> }> {
  runs += 1;
  const dir = join(work, `stubs-${runs}`);
  await mkdir(dir);
  const log = join(dir, 'calls');
  await writeFile(log, '');
  for (const [name, logic] of Object.entries(commands)) {
    const file = join(dir, name);
    await writeFile(file, `#!/bin/sh\necho "${name} $*" >> '${log}'\n${logic}\n`);
    await chmod(file, 0o755);
  }
  return {
    path: `${dir}:${HOST_PATH}`,
    calls: async () => (await readFile(log, 'utf8')).split('\n').filter(Boolean),
  };
}

describe('built-in script definitions', () => {
  it.each(BUILTIN_SCRIPTS.map((b): [string, BuiltinScript] => [b.name, b]))(
    '%s is valid content',
    (_, b) => {
      expect(contentProblems(b)).toEqual([]);
      expect(parameterProblems(b.parameters)).toEqual([]);
      expect(b.body.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    },
  );

  it.each(BUILTIN_SCRIPTS.map((b): [string, BuiltinScript] => [b.name, b]))(
    '%s reads exactly its declared parameters from the environment',
    (_, b) => {
      const read = new Set([...b.body.matchAll(/\$\{([A-Z][A-Z0-9_]*)[:}]/g)].map((m) => m[1]));
      read.delete('TMPDIR');
      expect([...read].sort()).toEqual(b.parameters.map((p) => p.name).sort());
    },
  );

  it('parses with bash -n', async () => {
    for (const b of BUILTIN_SCRIPTS) {
      const file = join(work, `syntax-${b.name.replace(/\W/g, '_')}.sh`);
      await writeFile(file, b.body);
      await new Promise<void>((resolve, reject) =>
        execFile('bash', ['-n', file], (error, _o, stderr) =>
          error ? reject(new Error(`${b.name}: ${stderr}`)) : resolve(),
        ),
      );
    }
  });
});

describe('Disk usage report', () => {
  it('lists df and the biggest directories under SCAN_PATH, biggest first', async () => {
    const root = join(work, 'du-root');
    for (const [dir, kib] of [
      ['big', 512],
      ['medium', 128],
      ['small', 0],
    ] as const) {
      await mkdir(join(root, dir), { recursive: true });
      await writeFile(join(root, dir, 'data'), Buffer.alloc(kib * 1024, 1));
    }
    const r = await runBuiltin('Disk usage report', {
      SCAN_PATH: root,
      SCAN_TIMEOUT_SECONDS: '60',
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== Filesystems (df -h)');
    expect(r.stdout).toContain(`== 10 biggest directories under ${root}`);
    const listed = r.stdout
      .split('\n')
      .filter((l) => l.includes(`${root}/`))
      .map((l) => l.trim().split(/\s+/).pop());
    expect(listed).toEqual([`${root}/big`, `${root}/medium`, `${root}/small`]);
    expect(r.stdout).toMatch(/\d(\.\d)?[KMG]\s+\(total\)/);
    expect(r.stdout).not.toContain('PARTIAL');
  });

  it('runs with its defaults (/var)', async () => {
    const r = await runBuiltin('Disk usage report');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== 10 biggest directories under /');
  });

  it('stops du after SCAN_TIMEOUT_SECONDS and says the result is partial', async () => {
    // A du that never finishes stands in for a huge tree.
    const s = await stubs({ du: 'sleep 30' });
    const r = await runBuiltin(
      'Disk usage report',
      { SCAN_PATH: work, SCAN_TIMEOUT_SECONDS: '1' },
      s.path,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PARTIAL: du was stopped after 1s');
    expect(r.ms).toBeLessThan(10_000);
  });

  it.each([
    [{ SCAN_PATH: 'var/log' }, /absolute path/],
    [{ SCAN_PATH: '/definitely/not/here' }, /not a directory/],
    [{ SCAN_TIMEOUT_SECONDS: '1.5' }, /whole number/],
    [{ SCAN_TIMEOUT_SECONDS: '0' }, /from 1 to 3600/],
    [{ SCAN_TIMEOUT_SECONDS: '$(id)' }, /whole number/],
  ])('exits 2 on invalid parameters %j', async (env, message) => {
    const r = await runBuiltin('Disk usage report', env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

describe('Top processes', () => {
  const rows = (out: string, title: string) => {
    const lines = out.split('\n');
    const start = lines.findIndex((l) => l.startsWith(title));
    expect(lines[start + 1]).toMatch(/PID\s+USER\s+%CPU\s+%MEM\s+RSS\s+COMMAND/);
    const body: string[] = [];
    for (const line of lines.slice(start + 2)) {
      if (!line.trim()) break;
      body.push(line);
    }
    return body;
  };

  it('lists N processes by CPU and by memory', async () => {
    const r = await runBuiltin('Top processes', { N: '3' });
    expect(r.code).toBe(0);
    for (const title of ['== Top 3 processes by CPU', '== Top 3 processes by memory']) {
      const body = rows(r.stdout, title);
      expect(body).toHaveLength(3);
      for (const line of body) expect(line).toMatch(/^\s*\d+\s+\S+\s+[\d.]+\s+[\d.]+\s+\d/);
    }
    const byMem = rows(r.stdout, '== Top 3 processes by memory').map((l) =>
      Number(l.trim().split(/\s+/)[3]),
    );
    expect(byMem).toEqual([...byMem].sort((a, b) => b - a));
  });

  it('defaults to 10', async () => {
    const r = await runBuiltin('Top processes');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('== Top 10 processes by CPU');
  });

  it.each(['0', '101', 'ten', '5; id', '-1'])('exits 2 for N=%s', async (n) => {
    const r = await runBuiltin('Top processes', { N: n });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('N must be a whole number from 1 to 100');
  });
});

describe('Restart a service', () => {
  const manager = {
    systemctl: 'exit 0',
    launchctl: 'exit 0',
  };

  it.each([
    'nginx; reboot',
    '$(touch /tmp/fleetdesk-pwned)',
    '`id`',
    '-h',
    '--help',
    '',
    '../etc/passwd',
    'a/b',
    'nginx service',
    'nginx\nreboot',
    'ng*',
    'x'.repeat(129),
  ])('exits 2 without calling any service manager for %j', async (service) => {
    const s = await stubs(manager);
    const r = await runBuiltin('Restart a service', { SERVICE: service }, s.path);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SERVICE must be a service name');
    expect(await s.calls()).toEqual([]);
    expect(existsSync('/tmp/fleetdesk-pwned')).toBe(false);
  });

  it('restarts with systemctl on Linux and reports the state', async () => {
    // A stub: restarting a real service is not done in a test (it needs systemd as PID 1,
    // which a container does not have, and root, and would disrupt the host).
    const s = await stubs({
      systemctl: '[ "$1" = is-active ] && echo active; exit 0',
      uname: 'echo Linux',
    });
    const r = await runBuiltin('Restart a service', { SERVICE: 'nginx.service' }, s.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Restarted nginx.service; it is now active.');
    const calls = (await s.calls()).filter((c) => c.startsWith('systemctl'));
    expect(calls).toEqual([
      'systemctl --no-ask-password restart -- nginx.service',
      'systemctl is-active -- nginx.service',
      'systemctl --no-pager --lines=5 status -- nginx.service',
    ]);
  });

  it('exits 1 when systemctl fails', async () => {
    const s = await stubs({
      systemctl: 'echo "Unit nope.service not found." >&2; exit 5',
      uname: 'echo Linux',
    });
    const r = await runBuiltin('Restart a service', { SERVICE: 'nope' }, s.path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('systemctl restart nope failed (exit 5)');
  });

  it('uses launchctl kickstart on macOS', async () => {
    const s = await stubs({ uname: 'echo Darwin', launchctl: 'exit 0', systemctl: 'exit 0' });
    const r = await runBuiltin('Restart a service', { SERVICE: 'com.example.agent' }, s.path);
    expect(r.code).toBe(0);
    const calls = (await s.calls()).filter((c) => !c.startsWith('uname'));
    expect(calls[0]).toBe('launchctl kickstart -k system/com.example.agent');
    expect(calls.some((c) => c.startsWith('systemctl'))).toBe(false);
  });

  it('exits 3 when there is no service manager', async () => {
    const s = await stubs({ uname: 'echo Linux' });
    const onlyStubs = s.path.split(':')[0];
    const r = await runBuiltin('Restart a service', { SERVICE: 'nginx' }, onlyStubs);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no supported service manager');
  });

  it('with the real systemctl, a unit that does not exist fails cleanly', async () => {
    // Safe anywhere: no unit by this name exists, so nothing is restarted.
    const r = await runBuiltin('Restart a service', {
      SERVICE: 'fleetdesk-test-no-such-unit-4711',
    });
    expect([1, 3]).toContain(r.code);
    expect(r.stderr).toMatch(/failed \(exit \d+\)|no supported service manager/);
  });
});

describe('Clear temp files', () => {
  const ROOTS_LINE = "TMP_ROOTS='/tmp /var/tmp'";

  /**
   * The script only ever looks at /tmp and /var/tmp, and has no switch to look elsewhere.
   * To test real deletions without touching the machine's temp directories, the test
   * rewrites that one constant line in a copy of the body to point at a scratch tree.
   */
  async function scratch() {
    runs += 1;
    const base = join(work, `clear-${runs}`);
    const tmp = join(base, 'tmp');
    const varTmp = join(base, 'vartmp');
    const outside = join(base, 'outside');
    await mkdir(join(tmp, 'sub'), { recursive: true });
    await mkdir(join(tmp, 'systemd-private-abc', 'tmp'), { recursive: true });
    await mkdir(join(tmp, '.X11-unix'), { recursive: true });
    await mkdir(varTmp, { recursive: true });
    await mkdir(outside, { recursive: true });
    const files: [string, number, 'old' | 'new' | 'read-recently'][] = [
      [join(tmp, 'old.log'), 1000, 'old'],
      [join(tmp, 'sub', 'old2.bin'), 24, 'old'],
      [join(tmp, 'name with\nnewline'), 2, 'old'],
      [join(varTmp, 'old-var'), 5, 'old'],
      [join(tmp, 'new.log'), 10, 'new'],
      [join(tmp, 'read-recently'), 10, 'read-recently'],
      [join(tmp, '.X0-lock'), 11, 'old'],
      [join(tmp, 'systemd-private-abc', 'tmp', 'service-file'), 3, 'old'],
      [join(outside, 'victim'), 7, 'old'],
      [join(outside, 'sub-victim'), 7, 'old'],
    ];
    for (const [file, size, age] of files) {
      await writeFile(file, Buffer.alloc(size, 1));
      if (age === 'old') await utimes(file, OLD, OLD);
      if (age === 'read-recently') await utimes(file, new Date(), OLD);
    }
    // Old symbolic links, to a file and to a directory outside: never followed, never deleted.
    await symlink(join(outside, 'victim'), join(tmp, 'link-to-file'));
    await symlink(outside, join(tmp, 'link-to-dir'));
    await lutimes(join(tmp, 'link-to-file'), OLD, OLD);
    await lutimes(join(tmp, 'link-to-dir'), OLD, OLD);
    // A "temp root" that is really a symlink elsewhere is skipped as a whole.
    await symlink(outside, join(base, 'moved-root'));
    const body = builtin('Clear temp files').body.replace(
      ROOTS_LINE,
      `TMP_ROOTS='${tmp} ${varTmp} ${join(base, 'moved-root')} ${join(base, 'missing')}'`,
    );
    return { base, tmp, varTmp, outside, body };
  }

  it('has its roots in one constant line (what the scratch tests replace)', () => {
    const body = builtin('Clear temp files').body;
    expect(body.split(ROOTS_LINE)).toHaveLength(2);
    expect(body).toMatch(/for root in \$TMP_ROOTS; do/);
  });

  it('deletes only old regular files inside the roots and reports count and bytes', async () => {
    const s = await scratch();
    const r = await runBody(s.body, { DAYS: '7', PACKAGE_CACHES: 'false' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${s.tmp}: Deleted 3 files, 1.0 KiB`);
    expect(r.stdout).toContain(`${s.varTmp}: Deleted 1 files, 5 B`);
    expect(r.stdout).toContain('outside the temp directories; skipped');
    expect(r.stdout).toContain('not present, skipped');
    expect(r.stdout).toContain('Deleted 4 files not modified or read for more than 7 days');
    expect(r.stdout).toContain('(1031 bytes)');
    for (const gone of ['old.log', 'sub/old2.bin', 'name with\nnewline'])
      expect(existsSync(join(s.tmp, gone))).toBe(false);
    expect(existsSync(join(s.varTmp, 'old-var'))).toBe(false);
    for (const kept of [
      'new.log',
      'read-recently',
      '.X0-lock',
      'systemd-private-abc/tmp/service-file',
      'sub',
    ])
      expect(existsSync(join(s.tmp, kept))).toBe(true);
    // The links themselves are still there, and so is everything they point at.
    for (const link of ['link-to-file', 'link-to-dir'])
      expect((await lstat(join(s.tmp, link))).isSymbolicLink()).toBe(true);
    expect(existsSync(join(s.outside, 'victim'))).toBe(true);
    expect(existsSync(join(s.outside, 'sub-victim'))).toBe(true);
    expect((await readFile(join(s.tmp, 'link-to-file'))).length).toBe(7);
  });

  it('lists and keeps everything on DRY_RUN=true', async () => {
    const s = await scratch();
    const r = await runBody(s.body, { DAYS: '7', DRY_RUN: 'true', PACKAGE_CACHES: 'false' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Would delete 4 files');
    expect(r.stdout).toContain(join(s.tmp, 'old.log'));
    expect(existsSync(join(s.tmp, 'old.log'))).toBe(true);
    expect(existsSync(join(s.varTmp, 'old-var'))).toBe(true);
  });

  it('runs against the real /tmp and /var/tmp with DAYS=36500 and DRY_RUN, deleting nothing', async () => {
    const r = await runBuiltin('Clear temp files', { DAYS: '36500', DRY_RUN: 'true' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\/tmp: Would delete \d+ files/m);
    expect(r.stdout).toMatch(
      /Would delete \d+ files not modified or read for more than 36500 days/,
    );
    // This machine is Debian: the real apt-get's cache is measured, and left as it is.
    expect(r.stdout).toMatch(
      /^Package caches: would run 'apt-get clean'; \/var\/cache\/apt\/archives holds \d/m,
    );
  });

  describe('package caches', () => {
    /** Stubs first on PATH; with `toolsOnly`, no host bin dir (so no real apt-get either). */
    async function managerStubs(commands: Record<string, string>, toolsOnly = false) {
      const s = await stubs(commands);
      if (!toolsOnly) return s;
      const [dir] = s.path.split(':');
      const tools = join(dir, 'tools');
      await mkdir(tools);
      for (const tool of ['mktemp', 'rm', 'find', 'awk', 'du', 'tail', 'uname']) {
        const real = HOST_PATH.split(':')
          .map((d) => join(d, tool))
          .find((f) => existsSync(f));
        if (real) await symlink(real, join(tools, tool));
      }
      return { ...s, path: `${dir}:${tools}` };
    }

    it('after the temp files, empties the apt cache with apt-get clean and says what it freed', async () => {
      const s = await scratch();
      const m = await managerStubs({ 'apt-get': 'exit 0' });
      const r = await runBody(s.body, { DAYS: '7' }, { path: m.path });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Deleted 4 files');
      expect(r.stdout).toMatch(
        /Package caches: ran 'apt-get clean'; freed [\d.]+ \w+ in \/var\/cache\/apt\/archives\./,
      );
      expect(r.stdout.indexOf('Deleted 4 files')).toBeLessThan(r.stdout.indexOf('Package caches'));
      expect(await m.calls()).toEqual(['apt-get clean']);
    });

    it.each([
      ['dnf', 'dnf -q clean packages'],
      ['yum', 'yum -q clean packages'],
      ['zypper', 'zypper --non-interactive clean'],
      ['pacman', 'pacman -Sc --noconfirm'],
    ])('uses %s where it is the package manager', async (manager, call) => {
      const s = await scratch();
      const m = await managerStubs({ [manager]: 'exit 0' }, true);
      const r = await runBody(s.body, { DAYS: '7' }, { path: m.path });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Package caches: ran '${call}'`);
      expect(await m.calls()).toEqual([call]);
    });

    it("exits 1 with the manager's own words when the clean fails; the temp files are still cleaned", async () => {
      const s = await scratch();
      const m = await managerStubs(
        {
          dnf: 'echo "Error: cache locked by another process" >&2; exit 1',
        },
        true,
      );
      const r = await runBody(s.body, { DAYS: '7' }, { path: m.path });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("error: 'dnf -q clean packages' failed (exit 1):");
      expect(r.stderr).toContain('cache locked by another process');
      expect(existsSync(join(s.tmp, 'old.log'))).toBe(false);
    });

    it('touches no package manager on DRY_RUN=true or PACKAGE_CACHES=false', async () => {
      const s = await scratch();
      const m = await managerStubs({ 'apt-get': 'exit 0' });
      const dry = await runBody(s.body, { DAYS: '7', DRY_RUN: 'true' }, { path: m.path });
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain("Package caches: would run 'apt-get clean'");
      const off = await runBody(s.body, { DAYS: '7', PACKAGE_CACHES: 'false' }, { path: m.path });
      expect(off.code).toBe(0);
      expect(off.stdout).not.toContain('Package caches');
      expect(await m.calls()).toEqual([]);
    });

    it('says so when there is no package manager it knows', async () => {
      const s = await scratch();
      const m = await managerStubs({}, true);
      const r = await runBody(s.body, { DAYS: '7' }, { path: m.path });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Package caches: no supported package manager');
    });
  });

  it.each([
    [{ DAYS: '0' }, /from 1 to 36500/],
    [{ DAYS: '36501' }, /from 1 to 36500/],
    [{ DAYS: '7.5' }, /whole number/],
    [{ DAYS: '-1' }, /whole number/],
    [{ DAYS: '1; rm -rf /' }, /whole number/],
    [{ DRY_RUN: 'yes' }, /DRY_RUN must be true or false/],
    [{ PACKAGE_CACHES: 'sometimes' }, /PACKAGE_CACHES must be true or false/],
  ])('exits 2 on invalid parameters %j, before touching anything', async (env, message) => {
    const s = await scratch();
    const r = await runBody(s.body, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(s.tmp, 'old.log'))).toBe(true);
  });
});

describe('Flush DNS cache', () => {
  it('on this machine: flushes, or explains there is nothing to flush', async () => {
    const r = await runBuiltin('Flush DNS cache');
    const out = r.stdout + r.stderr;
    if (r.code === 0) expect(out).toMatch(/Flushed: |Nothing to flush: no local DNS cache/);
    else expect(out).toMatch(/could not flush/);
  });

  it('flushes systemd-resolved with resolvectl and says so', async () => {
    const s = await stubs({
      uname: 'echo Linux',
      systemctl: '[ "$1" = is-active ] && exit 0; exit 1',
      resolvectl: 'exit 0',
      pgrep: 'exit 1',
    });
    const r = await runBuiltin('Flush DNS cache', {}, s.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Flushed: systemd-resolved');
    expect(await s.calls()).toContain('resolvectl flush-caches');
  });

  it('flushes nscd when it runs', async () => {
    const s = await stubs({
      uname: 'echo Linux',
      systemctl: 'exit 3',
      pgrep: '[ "$2" = nscd ] && exit 0; exit 1',
      nscd: 'exit 0',
    });
    const r = await runBuiltin('Flush DNS cache', {}, s.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('nscd');
    expect(await s.calls()).toContain('nscd -i hosts');
  });

  it('exits 1 when a cache is running but the flush fails', async () => {
    const s = await stubs({
      uname: 'echo Linux',
      systemctl: '[ "$1" = is-active ] && exit 0; exit 1',
      resolvectl: 'echo "Failed to flush caches: Access denied" >&2; exit 1',
      pgrep: 'exit 1',
    });
    const r = await runBuiltin('Flush DNS cache', {}, s.path);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('could not flush: systemd-resolved');
  });

  it('uses dscacheutil and mDNSResponder on macOS', async () => {
    const s = await stubs({ uname: 'echo Darwin', dscacheutil: 'exit 0', killall: 'exit 0' });
    const r = await runBuiltin('Flush DNS cache', {}, s.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Flushed: macOS directory service cache, mDNSResponder');
    const calls = await s.calls();
    expect(calls).toContain('dscacheutil -flushcache');
    expect(calls).toContain('killall -HUP mDNSResponder');
  });

  it('explains when no cache runs', async () => {
    // Skipped in effect on a host that really runs a cache (the first test covers that one).
    if (existsSync('/run/systemd/resolve/io.systemd.Resolve') || existsSync('/run/nscd/socket'))
      return;
    const s = await stubs({ uname: 'echo Linux', systemctl: 'exit 3', pgrep: 'exit 1' });
    const r = await runBuiltin('Flush DNS cache', {}, s.path);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Nothing to flush: no local DNS cache runs here');
  });
});

describe('parameters reach the scripts only through the environment', () => {
  it('ignores positional arguments', async () => {
    const b = builtin('Top processes');
    const rendered = renderParams(b.parameters, b.language, { N: 2 });
    const file = join(work, 'positional.sh');
    await writeFile(file, b.body);
    const { stdout: out } = await promisify(execFile)(BASH, [file, '50', '$(id)'], {
      env: {
        PATH: HOST_PATH,
        ...Object.fromEntries(rendered.env.map((e) => [e.name, e.value])),
      },
    });
    expect(out).toContain('== Top 2 processes by CPU');
  });
});
