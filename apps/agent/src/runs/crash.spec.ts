import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { generateDeviceKeyPair } from '@fleetdesk/protocol';
import { saveIdentity } from '../state';
import { FakeServer, waitFor } from '../test-support/fake-server';
import { INTERRUPTED_BY_CRASH } from './runs';

/**
 * The real agent, bundled like build.mjs does, killed with SIGKILL in the middle of a run:
 * the only honest way to test what a crash leaves behind.
 */
jest.setTimeout(60_000);

const posix = process.platform !== 'win32';
const describePosix = posix ? describe : describe.skip;

let dir: string;
let bundle: string;
let server: FakeServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-crash-'));
  bundle = join(dir, 'agent.js');
  await build({
    entryPoints: [join(__dirname, '..', 'main.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    alias: {
      '@fleetdesk/protocol': join(
        __dirname,
        '..',
        '..',
        '..',
        '..',
        'libs',
        'protocol',
        'src',
        'index.ts',
      ),
    },
    external: [
      'bufferutil',
      'utf-8-validate',
      'osx-temperature-sensor',
      'macos-temperature-sensor',
    ],
    logLevel: 'warning',
  });
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function startAgent(
  stateDir: string,
  tmp: string,
): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [bundle, 'run', '--state-dir', stateDir], {
    env: { ...process.env, TMPDIR: tmp },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  // Read, so a chatty agent never blocks on a full pipe; kept for a failing test's message.
  let log = '';
  child.stderr?.on('data', (data: Buffer) => (log += data.toString('utf8')));
  child.on('exit', (code) => code && code !== 0 && console.error(`agent exited ${code}:\n${log}`));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited };
}

describePosix('an agent killed mid-run', () => {
  it('reports the run interrupted after the restart and never runs it again', async () => {
    server = await new FakeServer().start();
    const keys = generateDeviceKeyPair();
    const deviceId = randomUUID();
    server.devices.set(deviceId, keys.publicKey);
    const stateDir = join(dir, 'state');
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    await saveIdentity(stateDir, {
      deviceId,
      serverUrl: server.url,
      enrolledAt: new Date().toISOString(),
      deviceKeyPem: keys.privateKey,
      serverKeyPem: server.keys.publicKey,
    });
    const marker = join(dir, 'executions');

    const first = startAgent(stateDir, tmp);
    const conn = await waitFor(() => server.authenticated[0], 20_000, 'the agent to connect');
    const run = server.runSpec(deviceId, {
      script: `echo ran >> ${marker}\necho "pid=$$"\nsleep 300`,
    });
    server.sendRun(conn, run);
    const output = await waitFor(() => server.received('output', run.runId)[0], 10_000, 'output');
    expect(server.received('run_accepted', run.runId)).toHaveLength(1);
    const pid = Number(/pid=(\d+)/.exec(output.data)?.[1]);

    first.child.kill('SIGKILL');
    await first.exited;
    // The script led its own process group, so it outlived the agent; a reboot or the
    // service manager would end it. Here the test does.
    process.kill(-pid, 'SIGKILL');

    const second = startAgent(stateDir, tmp);
    const after = await waitFor(() => server.authenticated[1], 20_000, 'the restarted agent');
    const result = await waitFor(() => server.received('result', run.runId)[0], 10_000, 'result');
    expect(result).toMatchObject({
      outcome: 'interrupted',
      error: INTERRUPTED_BY_CRASH,
      lastSeq: 0,
      truncated: false,
    });
    // What it printed before the crash was saved and is sent again with the result.
    expect(after.frames.filter((f) => f.type === 'output').map((f) => f.body)).toEqual([output]);
    // Its temp dir is gone too.
    expect(readdirSync(tmp).filter((n) => n.includes(run.runId))).toEqual([]);

    // The server delivers the run again: the result comes back, the script does not run.
    server.sendRun(after, run);
    await waitFor(() => server.received('result', run.runId)[1], 10_000, 'the result again');
    server.send(after, 'result_ack', { runId: run.runId });
    await waitFor(
      () => !existsSync(join(stateDir, 'outbox', `${run.runId}.json`)),
      5_000,
      'the outbox entry removed',
    );
    server.sendRun(after, run);
    const rejected = await waitFor(
      () => server.received('run_rejected', run.runId)[0],
      10_000,
      'the duplicate rejection',
    );
    expect(rejected.reason).toBe('duplicate');
    expect(readFileSync(marker, 'utf8')).toBe('ran\n');
    expect(server.received('run_accepted', run.runId)).toHaveLength(1);

    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});
