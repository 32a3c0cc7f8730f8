import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSpec } from '@fleetdesk/protocol';
import { recordingLogger } from '../test-support/recording-logger';
import { waitFor } from '../test-support/fake-server';
import { scriptCommand, type CommandContext } from './command';
import { startExecution, type ExecutionOptions } from './executor';

jest.setTimeout(30_000);

const posix = process.platform !== 'win32';
const itPosix = posix ? it : it.skip;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-exec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Spec = ExecutionOptions['spec'];

function spec(script: string, extra: Partial<Spec> = {}): Spec {
  return {
    runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
    language: 'bash',
    script,
    env: [],
    args: [],
    timeoutMs: 30_000,
    ...extra,
  };
}

/** Runs the script to the end; output joined per stream. */
function execute(s: Spec, extra: Partial<ExecutionOptions> = {}) {
  const out = { stdout: '', stderr: '', both: '' };
  const execution = startExecution({
    spec: s,
    log: recordingLogger(),
    tmpRoot: dir,
    killGraceMs: 500,
    onOutput: (stream, data) => {
      out[stream] += data.toString('utf8');
      out.both += data.toString('utf8');
    },
    ...extra,
  });
  return { execution, out, done: execution.done };
}

/** Alive and not a zombie: a container's PID 1 may never reap orphans. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return process.platform === 'linux' ? false : true;
  }
}

const pidsIn = (text: string) =>
  Object.fromEntries([...text.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));

describe('startExecution', () => {
  it('reports exit 0 as succeeded, with the output, and removes its directory', async () => {
    const { out, done } = execute(
      spec('echo "hello $1 $2"; echo oops >&2', { args: ['a', 'b c'] }),
    );
    expect(await done).toEqual({ outcome: 'succeeded', exitCode: 0 });
    expect(out.stdout).toBe('hello a b c\n');
    expect(out.stderr).toBe('oops\n');
    expect(await readdir(dir)).toEqual([]);
  });

  it('reports a non-zero exit as failed with the exit code', async () => {
    const { done } = execute(spec('echo about to fail; exit 3'));
    expect(await done).toEqual({ outcome: 'failed', exitCode: 3 });
  });

  itPosix('runs in a fresh 0700 directory, from a 0700 script file', async () => {
    const { out, done } = execute(
      spec('stat -c "%a %n" . "$0" 2>/dev/null || stat -f "%Lp %N" . "$0"; pwd', {
        language: 'sh',
      }),
    );
    expect((await done).outcome).toBe('succeeded');
    const [dirLine, fileLine, cwd] = out.stdout.trim().split('\n');
    expect(dirLine).toBe('700 .');
    expect(fileLine).toMatch(/^700 .*script\.sh$/);
    expect(cwd).toContain(join(dir, 'fleetdesk-run-6e1d9b4f-'));
  });

  itPosix('passes parameters only as environment variables, literally', async () => {
    const hostile = [
      `it's "quoted" \\ back`,
      `$(touch ${join(dir, 'x')})`,
      `; touch ${join(dir, 'y')}`,
      `\`touch ${join(dir, 'z')}\` && touch ${join(dir, 'w')} | cat`,
    ];
    const env = hostile.map((value, i) => ({ name: `P${i}`, value }));
    const script =
      'for v in "$P0" "$P1" "$P2" "$P3"; do printf "%s\\n" "$v"; done\nprintf "%s|" "$@"';
    const { out, done } = execute(spec(script, { env, args: hostile }));
    expect(await done).toEqual({ outcome: 'succeeded', exitCode: 0 });
    expect(out.stdout).toBe(`${hostile.join('\n')}\n${hostile.join('|')}|`);
    for (const f of ['x', 'y', 'z', 'w']) expect(existsSync(join(dir, f))).toBe(false);
  });

  it('keeps the agent environment and adds the spec entries', async () => {
    const { out, done } = execute(
      spec('process.stdout.write(`${process.env.BASE}/${process.env.EXTRA}`)', {
        language: 'node',
        env: [{ name: 'EXTRA', value: 'from spec' }],
      }),
      { baseEnv: { ...process.env, BASE: 'from agent' } },
    );
    expect((await done).outcome).toBe('succeeded');
    expect(out.stdout).toBe('from agent/from spec');
  });

  itPosix('points TMPDIR at the run directory, which is gone after the run', async () => {
    const { out, done } = execute(spec('f=$(mktemp); printf "%s %s" "$TMPDIR" "$f"'));
    expect((await done).outcome).toBe('succeeded');
    const [tmp, file] = out.stdout.split(' ');
    expect(file.startsWith(`${tmp}/`)).toBe(true);
    expect(existsSync(tmp)).toBe(false);
  });

  itPosix('runs python scripts with python3', async () => {
    const { out, done } = execute(
      spec('import os, sys\nprint(os.environ["GREETING"], sys.argv[1:])', {
        language: 'python',
        env: [{ name: 'GREETING', value: 'hi' }],
        args: ['x y'],
      }),
    );
    expect(await done).toEqual({ outcome: 'succeeded', exitCode: 0 });
    expect(out.stdout).toBe("hi ['x y']\n");
  });

  itPosix('on timeout kills the whole process tree: the script and its children', async () => {
    const { out, done } = execute(
      spec('sleep 300 &\necho "child=$! main=$$"\nwait', { timeoutMs: 1_000 }),
    );
    await waitFor(() => out.stdout.includes('main='), 5_000, 'the pids');
    const pids = pidsIn(out.stdout);
    expect(alive(pids.child ?? 0) && alive(pids.main ?? 0)).toBe(true);

    const end = await done;
    expect(end).toMatchObject({ outcome: 'timed_out', signal: 'SIGTERM' });
    expect(end.error).toMatch(/timed out after 1000 ms/);
    await waitFor(() => !alive(pids.child ?? 0) && !alive(pids.main ?? 0), 2_000, 'both gone');
  });

  itPosix('escalates to SIGKILL for a tree that ignores SIGTERM', async () => {
    const script = [
      "trap '' TERM",
      'bash -c "trap \'\' TERM; sleep 300" &',
      'echo "child=$! main=$$"',
      'while true; do sleep 0.1; done',
    ].join('\n');
    const { out, execution, done } = execute(spec(script));
    await waitFor(() => out.stdout.includes('main='), 5_000, 'the pids');
    const pids = pidsIn(out.stdout);
    const started = Date.now();
    execution.stop('cancelled', 'cancelled by the server');

    const end = await done;
    expect(end).toMatchObject({ outcome: 'cancelled', signal: 'SIGKILL' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await waitFor(() => !alive(pids.child ?? 0) && !alive(pids.main ?? 0), 2_000, 'both gone');
  });

  itPosix('a cancel mid-run kills the tree and reports cancelled', async () => {
    const { out, execution, done } = execute(
      spec('sleep 300 &\necho "child=$! main=$$"\nwait\necho never'),
    );
    await waitFor(() => out.stdout.includes('main='), 5_000, 'the pids');
    const pids = pidsIn(out.stdout);
    execution.stop('cancelled', 'cancelled by the server');

    expect(await done).toMatchObject({ outcome: 'cancelled', error: 'cancelled by the server' });
    expect(out.stdout).not.toContain('never');
    await waitFor(() => !alive(pids.child ?? 0) && !alive(pids.main ?? 0), 2_000, 'both gone');
  });

  itPosix('kills what the script left running in its group once it exits', async () => {
    const { out, done } = execute(spec('sleep 300 &\necho "child=$!"\nexit 0'));
    const started = Date.now();
    expect(await done).toEqual({ outcome: 'succeeded', exitCode: 0 });
    // It did not wait for the background sleep's pipe to close.
    expect(Date.now() - started).toBeLessThan(5_000);
    const { child } = pidsIn(out.stdout);
    await waitFor(() => !alive(child ?? 0), 2_000, 'the leftover child gone');
  });

  it('a stop before the process starts means it never starts', async () => {
    const marker = join(dir, 'ran');
    const { execution, done } = execute(
      spec(`require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`, { language: 'node' }),
    );
    execution.stop('interrupted', 'the agent is stopping');
    expect(await done).toEqual({ outcome: 'interrupted', error: 'the agent is stopping' });
    expect(existsSync(marker)).toBe(false);
  });

  it('reports a missing interpreter as failed, not a crash', async () => {
    const { done } = execute(spec('Write-Output hi', { language: 'powershell' }), {
      baseEnv: { PATH: dir },
    });
    const end = await done;
    expect(end.outcome).toBe('failed');
    expect(end.error).toMatch(/(pwsh|powershell\.exe) was not found on this device/);
  });

  it('refuses cmd scripts outside Windows without starting anything', async () => {
    const { done } = execute(spec('echo hi', { language: 'cmd' }), { platform: 'linux' });
    expect(await done).toEqual({
      outcome: 'failed',
      error: 'cmd scripts run only on Windows; this device runs linux',
    });
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('scriptCommand', () => {
  const linux = { platform: 'linux' as const, execPath: '/usr/bin/node' };
  const windows = { platform: 'win32' as const, execPath: 'C:\\node\\node.exe' };
  const run = (language: RunSpec['language'], ctx: CommandContext = linux, args = ['a b']) =>
    scriptCommand(language, '/tmp/r/script', args, ctx);

  it('maps every language to an interpreter and never to a shell around the params', () => {
    expect(run('bash')).toEqual({ file: 'bash', args: ['/tmp/r/script', 'a b'] });
    expect(run('sh')).toEqual({ file: 'sh', args: ['/tmp/r/script', 'a b'] });
    expect(run('python')).toEqual({ file: 'python3', args: ['/tmp/r/script', 'a b'] });
    expect(run('python', windows)).toMatchObject({ file: 'python' });
    expect(run('node')).toEqual({ file: '/usr/bin/node', args: ['/tmp/r/script', 'a b'] });
    expect(run('powershell')).toEqual({
      file: 'pwsh',
      args: ['-NoProfile', '-NonInteractive', '-File', '/tmp/r/script', 'a b'],
    });
    expect(run('powershell', windows)).toEqual({
      file: 'powershell.exe',
      args: [
        '-NoProfile',
        '-NonInteractive',
        '-ExecutionPolicy',
        'Bypass',
        '-File',
        '/tmp/r/script',
        'a b',
      ],
    });
    expect(run('cmd', windows, [])).toEqual({
      file: 'cmd.exe',
      args: ['/d', '/s', '/c', '""/tmp/r/script""'],
      windowsVerbatimArguments: true,
    });
  });

  it('refuses cmd off Windows, and cmd with arguments anywhere', () => {
    expect(run('cmd')).toEqual({ error: expect.stringMatching(/only on Windows/) });
    expect(run('cmd', windows)).toEqual({ error: expect.stringMatching(/environment variables/) });
  });
});
