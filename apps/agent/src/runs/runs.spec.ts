import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloseCode,
  generateDeviceKeyPair,
  type OutputBody,
  type RunSpec,
} from '@fleetdesk/protocol';
import { Backoff } from '../backoff';
import { AgentConnection, type Identity } from '../connection';
import { delay, FakeServer, waitFor, type FakeConnection } from '../test-support/fake-server';
import { recordingLogger } from '../test-support/recording-logger';
import { sha256Hex } from './checks';
import { JOURNAL_FILE } from './journal';
import { OUTBOX_DIR } from './outbox';
import { INTERRUPTED_BY_CRASH, INTERRUPTED_BY_STOP, QUICK_RUN_MS, RunManager } from './runs';

// Real sockets and real processes on a busy 2-core CI box.
jest.setTimeout(30_000);

let server: FakeServer;
let dir: string;
let stateDir: string;
let identity: Identity;
const agents: { stop(): Promise<void> }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-runs-'));
  stateDir = join(dir, 'state');
  await mkdir(join(dir, 'tmp'));
  server = await new FakeServer().start();
  const keys = generateDeviceKeyPair();
  const deviceId = randomUUID();
  server.devices.set(deviceId, keys.publicKey);
  identity = {
    deviceId,
    privateKey: createPrivateKey(keys.privateKey),
    serverPublicKey: createPublicKey(server.keys.publicKey),
  };
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

/** An agent with only the run machinery on its sessions: no inventory, no heartbeats. */
async function startAgent(options: { maxConcurrentRuns?: number } = {}) {
  const log = recordingLogger();
  const runs = await RunManager.open({
    stateDir,
    deviceId: identity.deviceId,
    serverPublicKey: identity.serverPublicKey,
    log,
    maxConcurrentRuns: options.maxConcurrentRuns,
    execution: { killGraceMs: 500, tmpRoot: join(dir, 'tmp') },
    flushMs: 20,
  });
  const connection = new AgentConnection({
    serverUrl: server.url,
    identity,
    agentVersion: '0.1.0',
    log,
    backoff: new Backoff({ random: () => 0 }),
    startSession: (session) => runs.attach(session),
    onRevoked: () => {},
  });
  connection.start();
  let stopped = false;
  const agent = {
    runs,
    connection,
    log,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await runs.close();
      await connection.close();
    },
  };
  agents.push(agent);
  return agent;
}

const connected = (n = 0) => waitFor(() => server.authenticated[n], 5_000, `connection #${n}`);

/** Lines in a marker file: how many times scripts got to run. */
const executions = (name: string) => {
  const path = join(dir, name);
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean).length : 0;
};

/** A bash script that records each execution in a marker file, then runs `rest`. */
const counted = (name: string, rest = '') => `echo ran >> ${join(dir, name)}\n${rest}`;

const spec = (overrides: Partial<RunSpec> = {}) => server.runSpec(identity.deviceId, overrides);
const resultOf = (runId: string, n = 1) =>
  waitFor(() => server.received('result', runId)[n - 1], 15_000, `result #${n} of ${runId}`);
const outputText = (chunks: OutputBody[]) => chunks.map((c) => c.data).join('');
const outboxFiles = () => readdir(join(stateDir, OUTBOX_DIR));
const outboxEmpty = () => readdirSync(join(stateDir, OUTBOX_DIR)).length === 0;
const typesFor = (conn: FakeConnection, runId: string) =>
  conn.frames.filter((f) => 'runId' in f.body && f.body.runId === runId).map((f) => f.type);

describe('RunManager', () => {
  it('journals a run before it starts, streams its output, and keeps the result until acked', async () => {
    await startAgent();
    const conn = await connected();
    const run = spec({
      script: counted(
        'm',
        `grep -c "$RUN_ID" ${join(stateDir, JOURNAL_FILE)}\necho "to stderr" >&2\necho done`,
      ),
    });
    run.env = [{ name: 'RUN_ID', value: run.runId }];
    server.sendRun(conn, run);

    const result = await resultOf(run.runId);
    expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, truncated: false });
    const output = server.received('output', run.runId);
    expect(output.map((c) => c.seq)).toEqual(output.map((_, i) => i));
    expect(result.lastSeq).toBe(output.length - 1);
    // The script found its own run id in the journal: journaled before it started.
    expect(outputText(output.filter((c) => c.stream === 'stdout'))).toBe('1\ndone\n');
    expect(outputText(output.filter((c) => c.stream === 'stderr'))).toBe('to stderr\n');
    // It ended at once (within QUICK_RUN_MS): one frame, the result with its output inline.
    expect(typesFor(conn, run.runId)).toEqual(['result']);
    expect(server.resultFrames(run.runId)[0]?.output).toHaveLength(output.length);
    expect(executions('m')).toBe(1);

    // The outbox holds output and result apart, inline or not, until the ack.
    expect((await outboxFiles()).sort()).toEqual([`${run.runId}.json`, `${run.runId}.out.jsonl`]);
    server.send(conn, 'results_ack', { runIds: [run.runId] });
    await waitFor(outboxEmpty, 2_000, 'the outbox emptied');
    expect(await outboxFiles()).toEqual([]);
  });

  it('announces a run still going after QUICK_RUN_MS and streams its output before the result', async () => {
    await startAgent();
    const conn = await connected();
    const run = spec({ script: `echo first\nsleep ${(QUICK_RUN_MS * 3) / 1000}\necho second` });
    server.sendRun(conn, run);
    // Announced while still running, with the output held so far.
    await waitFor(() => server.received('run_accepted', run.runId)[0], 5_000, 'run_accepted');
    await waitFor(() => server.received('output', run.runId)[0], 5_000, 'the first output');
    expect(server.received('result', run.runId)).toEqual([]);
    const result = await resultOf(run.runId);
    expect(outputText(server.received('output', run.runId))).toBe('first\nsecond\n');
    expect(result.lastSeq).toBe(server.received('output', run.runId).length - 1);
    const types = typesFor(conn, run.runId);
    expect(types[0]).toBe('run_accepted');
    expect(types.filter((t) => t === 'run_accepted')).toHaveLength(1);
    expect(types.at(-1)).toBe('result');
    expect(server.resultFrames(run.runId)[0]?.output).toBeUndefined();
    server.send(conn, 'result_ack', { runId: run.runId });
    await waitFor(outboxEmpty, 2_000, 'the outbox emptied');
  });

  it('refuses tampered, misdirected, expired and malformed runs, and runs none of them', async () => {
    const { log } = await startAgent();
    const conn = await connected();
    const impostor = generateDeviceKeyPair().privateKey;
    const cases: { name: string; body: () => ReturnType<FakeServer['signRun']>; reason: string }[] =
      [
        {
          name: 'changed script',
          reason: 'bad_signature',
          body: () => {
            const signed = server.signRun(spec({ script: counted('changed-script') }));
            const script = counted('changed-script', 'echo evil');
            return { ...signed, spec: { ...signed.spec, script, scriptSha256: sha256Hex(script) } };
          },
        },
        {
          name: 'changed env',
          reason: 'bad_signature',
          body: () => {
            const signed = server.signRun(
              spec({ script: counted('changed-env'), env: [{ name: 'A', value: '1' }] }),
            );
            return { ...signed, spec: { ...signed.spec, env: [{ name: 'A', value: '2' }] } };
          },
        },
        {
          name: 'wrong key',
          reason: 'bad_signature',
          body: () => server.signRun(spec({ script: counted('wrong-key') }), impostor),
        },
        {
          name: 'batch proof of another run',
          reason: 'bad_signature',
          body: () => {
            const [mine, other] = server.signBatch([
              spec({ script: counted('batch-swapped') }),
              spec({ script: counted('batch-other') }),
            ]);
            return { ...mine!, batch: other!.batch };
          },
        },
        {
          name: 'batch for another device',
          reason: 'wrong_device',
          body: () =>
            server.signBatch([
              spec({ script: counted('batch-device'), deviceId: randomUUID() }),
            ])[0]!,
        },
        {
          name: 'wrong device',
          reason: 'wrong_device',
          body: () =>
            server.signRun(spec({ script: counted('wrong-device'), deviceId: randomUUID() })),
        },
        {
          name: 'expired',
          reason: 'expired',
          body: () =>
            server.signRun(spec({ script: counted('expired'), expiresAt: Date.now() - 1 })),
        },
        {
          name: 'bad hash',
          reason: 'bad_hash',
          body: () =>
            server.signRun(spec({ script: counted('bad-hash'), scriptSha256: sha256Hex('other') })),
        },
        {
          name: 'env twice',
          reason: 'invalid',
          body: () =>
            server.signRun(
              spec({
                script: counted('env-twice'),
                env: [
                  { name: 'A', value: '1' },
                  { name: 'A', value: '2' },
                ],
              }),
            ),
        },
      ];
    for (const c of cases) {
      const body = c.body();
      server.sendRun(conn, body);
      const rejected = await waitFor(
        () => server.received('run_rejected', body.spec.runId)[0],
        3_000,
        `rejection of ${c.name}`,
      );
      expect({ name: c.name, reason: rejected.reason }).toEqual({ name: c.name, reason: c.reason });
      expect(rejected.message).not.toBe('');
    }
    // A good run afterwards: by the time it finished, any wrongly started run would have too.
    const good = spec({ script: counted('good') });
    server.sendRun(conn, good);
    await resultOf(good.runId);
    await delay(200);
    expect(executions('good')).toBe(1);
    for (const name of ['changed-script', 'changed-env', 'wrong-key', 'wrong-device', 'expired']) {
      expect({ name, runs: executions(name) }).toEqual({ name, runs: 0 });
    }
    expect(executions('bad-hash') + executions('env-twice')).toBe(0);
    for (const name of ['batch-swapped', 'batch-other', 'batch-device']) {
      expect({ name, runs: executions(name) }).toEqual({ name, runs: 0 });
    }
    expect(server.received('result')).toHaveLength(1);
    const journal = readFileSync(join(stateDir, JOURNAL_FILE), 'utf8');
    for (const { runId } of server.received('run_rejected')) expect(journal).not.toContain(runId);
    expect(log.has('warn', /run rejected bad_signature/)).toBe(true);
  });

  it('answers a re-delivery with the saved result until acked, then as a duplicate; never runs twice', async () => {
    await startAgent();
    const conn = await connected();
    const body = server.signRun(spec({ script: counted('m', 'echo once') }));
    server.sendRun(conn, body);
    const first = await resultOf(body.spec.runId);

    server.sendRun(conn, body);
    const again = await resultOf(body.spec.runId, 2);
    expect(again).toEqual(first);
    expect(server.received('output', body.spec.runId).map((c) => c.seq)).toEqual([0, 0]);

    server.send(conn, 'result_ack', { runId: body.spec.runId });
    await delay(100);
    server.sendRun(conn, body);
    const rejected = await waitFor(
      () => server.received('run_rejected', body.spec.runId)[0],
      3_000,
      'the duplicate rejection',
    );
    expect(rejected.reason).toBe('duplicate');
    expect(executions('m')).toBe(1);
    // A quick run: no run_accepted at all, its result stood for it.
    expect(server.received('run_accepted', body.spec.runId)).toHaveLength(0);
  });

  it('re-sends output and result after a reconnect until the server acks', async () => {
    await startAgent();
    const first = await connected(0);
    const run = spec({ script: counted('m', 'echo line1\necho line2') });
    server.sendRun(first, run);
    const result = await resultOf(run.runId);
    const output = server.received('output', run.runId);

    server.close(first, CloseCode.GOING_AWAY);
    const second = await connected(1);
    await waitFor(() => typesFor(second, run.runId).includes('result'), 5_000, 'the re-send');
    const resent = second.frames.filter((f) => f.type === 'output').map((f) => f.body);
    expect(resent).toEqual(output);
    expect(typesFor(second, run.runId).at(-1)).toBe('result');
    expect(server.received('result', run.runId)[1]).toEqual(result);

    server.send(second, 'result_ack', { runId: run.runId });
    await waitFor(outboxEmpty, 2_000, 'the outbox emptied');
    server.close(second, CloseCode.GOING_AWAY);
    const third = await connected(2);
    await delay(300);
    expect(typesFor(third, run.runId)).toEqual([]);
    expect(executions('m')).toBe(1);
  });

  it('keeps an unacknowledged result across an agent restart and re-sends it', async () => {
    const first = await startAgent();
    const conn = await connected(0);
    const body = server.signRun(spec({ script: counted('m', 'echo survived') }));
    server.sendRun(conn, body);
    const result = await resultOf(body.spec.runId);
    await first.stop();

    await startAgent();
    const after = await connected(1);
    await waitFor(() => typesFor(after, body.spec.runId).includes('result'), 5_000, 'the re-send');
    expect(server.received('result', body.spec.runId)[1]).toEqual(result);
    expect(outputText(server.received('output', body.spec.runId))).toBe('survived\nsurvived\n');

    // The restarted agent still knows the run: a re-delivery is not executed again.
    server.sendRun(after, body);
    await resultOf(body.spec.runId, 3);
    server.send(after, 'result_ack', { runId: body.spec.runId });
    await waitFor(outboxEmpty, 2_000, 'the outbox emptied');
    server.sendRun(after, body);
    await waitFor(() => server.received('run_rejected', body.spec.runId)[0], 3_000, 'duplicate');
    expect(executions('m')).toBe(1);
  });

  it('after a crash mid-run reports the run interrupted with its saved output, and never runs it', async () => {
    // What an agent killed mid-run leaves behind: the start journaled, some output saved.
    const run = spec({ script: counted('m') });
    const startedAt = Date.now() - 5_000;
    await mkdir(join(stateDir, OUTBOX_DIR), { recursive: true });
    await writeFile(
      join(stateDir, JOURNAL_FILE),
      `${JSON.stringify({ runId: run.runId, event: 'started', at: startedAt, expiresAt: run.expiresAt })}\n`,
    );
    const chunk: OutputBody = { runId: run.runId, seq: 0, stream: 'stdout', data: 'half way\n' };
    await writeFile(
      join(stateDir, OUTBOX_DIR, `${run.runId}.out.jsonl`),
      `${JSON.stringify(chunk)}\n{"runId":"${run.runId}","seq":1,"str`, // torn by the crash
    );
    const leftover = join(dir, 'tmp', `fleetdesk-run-${run.runId}-abc123`);
    await mkdir(leftover);

    const { log } = await startAgent();
    const conn = await connected();
    const result = await resultOf(run.runId);
    expect(result).toEqual({
      runId: run.runId,
      outcome: 'interrupted',
      startedAt,
      finishedAt: expect.any(Number),
      lastSeq: 0,
      outputBytes: 9,
      truncated: false,
      error: INTERRUPTED_BY_CRASH,
    });
    expect(server.received('output', run.runId)).toEqual([chunk]);
    expect(log.has('warn', /run interrupted/)).toBe(true);
    expect(existsSync(leftover)).toBe(false);

    // The server delivers it again (it never saw a result before): still not run.
    server.sendRun(conn, run);
    await resultOf(run.runId, 2);
    server.send(conn, 'result_ack', { runId: run.runId });
    await delay(100);
    server.sendRun(conn, run);
    await waitFor(() => server.received('run_rejected', run.runId)[0], 3_000, 'duplicate');
    expect(executions('m')).toBe(0);
    expect(server.received('run_accepted', run.runId)).toEqual([]);
  });

  it('runs at most N at once and queues the rest', async () => {
    await startAgent({ maxConcurrentRuns: 2 });
    const conn = await connected();
    const log = join(dir, 'overlap');
    const script = (n: number) => `echo "+${n}" >> ${log}\nsleep 0.5\necho "-${n}" >> ${log}`;
    const runs = [1, 2, 3].map((n) => spec({ script: script(n) }));
    for (const run of runs) server.sendRun(conn, run);
    await Promise.all(runs.map((r) => resultOf(r.runId)));

    let running = 0;
    let most = 0;
    for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
      running += line.startsWith('+') ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
    // The third was accepted only once a slot was free, i.e. after a result.
    const order = conn.frames
      .filter((f) => f.type === 'run_accepted' || f.type === 'result')
      .map((f) => f.type);
    expect(order.slice(0, 3)).toEqual(['run_accepted', 'run_accepted', 'result']);
  });

  it('cancels a queued run without starting it, and a running one by killing its tree', async () => {
    await startAgent({ maxConcurrentRuns: 1 });
    const conn = await connected();
    const running = spec({ script: counted('running', 'echo "pid=$$"\nsleep 300 &\nwait') });
    const queued = spec({ script: counted('queued') });
    server.sendRun(conn, running);
    server.sendRun(conn, queued);
    await waitFor(() => server.received('output', running.runId)[0], 5_000, 'the first run');
    const pid = Number(/pid=(\d+)/.exec(outputText(server.received('output', running.runId)))?.[1]);

    server.sendCancel(conn, queued.runId, identity.deviceId);
    expect(await resultOf(queued.runId)).toMatchObject({
      outcome: 'cancelled',
      lastSeq: -1,
      error: expect.stringMatching(/before it started/),
    });
    expect(server.received('run_accepted', queued.runId)).toEqual([]);

    // A cancel that is not the server's is ignored; the run goes on.
    const impostor = generateDeviceKeyPair().privateKey;
    server.sendCancel(conn, running.runId, identity.deviceId, impostor);
    server.sendCancel(conn, running.runId, randomUUID());
    await delay(300);
    expect(server.received('result', running.runId)).toEqual([]);

    server.sendCancel(conn, running.runId, identity.deviceId);
    expect(await resultOf(running.runId)).toMatchObject({
      outcome: 'cancelled',
      signal: 'SIGTERM',
    });
    expect(() => process.kill(pid, 0)).toThrow();

    // Both are journaled: a re-delivery runs neither.
    for (const run of [running, queued]) server.send(conn, 'result_ack', { runId: run.runId });
    await delay(100);
    for (const run of [running, queued]) server.sendRun(conn, run);
    await waitFor(() => server.received('run_rejected').length === 2, 3_000, 'two duplicates');
    expect(server.received('run_rejected').map((r) => r.reason)).toEqual([
      'duplicate',
      'duplicate',
    ]);
    expect(executions('running')).toBe(1);
    expect(executions('queued')).toBe(0);
  });

  it('times a run out and caps its output', async () => {
    await startAgent();
    const conn = await connected();
    const slow = spec({ script: 'echo start\nsleep 300', timeoutMs: 1_000 });
    const loud = spec({ script: 'head -c 5000 /dev/zero | tr "\\0" x', maxOutputBytes: 1024 });
    server.sendRun(conn, slow);
    server.sendRun(conn, loud);

    expect(await resultOf(slow.runId)).toMatchObject({ outcome: 'timed_out' });
    const capped = await resultOf(loud.runId);
    expect(capped).toMatchObject({ outcome: 'succeeded', outputBytes: 1024, truncated: true });
    expect(outputText(server.received('output', loud.runId))).toBe(
      `${'x'.repeat(1024)}\n[fleetdesk: output truncated after 1024 bytes]\n`,
    );
  });

  it('on close, kills running runs, reports them interrupted and drops the queue', async () => {
    const agent = await startAgent({ maxConcurrentRuns: 1 });
    const conn = await connected();
    const running = spec({ script: counted('running', 'sleep 300') });
    const queued = spec({ script: counted('queued') });
    server.sendRun(conn, running);
    server.sendRun(conn, queued);
    await waitFor(() => server.received('run_accepted', running.runId)[0], 5_000, 'the start');

    await agent.runs.close();
    expect(await resultOf(running.runId)).toMatchObject({
      outcome: 'interrupted',
      error: INTERRUPTED_BY_STOP,
    });
    expect(executions('queued')).toBe(0);
    expect(server.received('run_accepted', queued.runId)).toEqual([]);
  });

  it('leaves the journal readable after appends from concurrent runs', async () => {
    await startAgent({ maxConcurrentRuns: 4 });
    const conn = await connected();
    const runs = Array.from({ length: 8 }, () => spec({ script: 'true' }));
    for (const run of runs) server.sendRun(conn, run);
    await Promise.all(runs.map((r) => resultOf(r.runId)));
    await delay(100);
    const lines = readFileSync(join(stateDir, JOURNAL_FILE), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(16);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
  });
});
