import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, generateDeviceKeyPair } from '@fleetdesk/protocol';
import { Backoff } from './backoff';
import { EnrollError } from './enroll';
import { ExitCode } from './exit-codes';
import { SIM_IDENTITIES_FILE } from './sim-identities';
import { retryDelay, simulate, type SimulateOptions } from './simulate';
import { delay, FakeServer, waitFor } from './test-support/fake-server';
import { recordingLogger } from './test-support/recording-logger';

// Real sockets on a busy 2-core CI box: more headroom than jest's default 5 s.
jest.setTimeout(30_000);

let dir: string;
let server: FakeServer;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fleetdesk-sim-'));
  server = await new FakeServer({ heartbeatIntervalMs: 1_000 }).start();
});
afterEach(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

function run(extra: Partial<SimulateOptions>, stopWhen: () => boolean) {
  const lines: string[] = [];
  let stop: (reason: string) => void = () => {};
  const until = new Promise<string>((resolve) => (stop = resolve));
  const done = simulate(
    {
      server: server.url,
      token: 'tok',
      count: 25,
      bind: [],
      stateDir: dir,
      heartbeatJitter: false,
      enrollConcurrency: 4,
      handshakeConcurrency: 5,
      progressEveryMs: 100,
      until,
      print: (l) => lines.push(l),
      ...extra,
    },
    recordingLogger(),
  );
  // Stopped whether or not it got there, so a failing test cannot leave agents running.
  const finished = waitFor(stopWhen, 10_000, 'the simulation to get there').then(
    () => stop('test'),
    (err: unknown) => {
      stop('test');
      throw err;
    },
  );
  return { lines, result: finished.then(() => done) };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('simulate', () => {
  it('with enrollOnly enrolls and saves every identity, then stops without connecting', async () => {
    const printed: string[] = [];
    const code = await simulate(
      {
        server: server.url,
        token: 'tok',
        count: 12,
        bind: [],
        stateDir: dir,
        heartbeatJitter: false,
        enrollConcurrency: 6,
        enrollOnly: true,
        progressEveryMs: 100,
        print: (l) => printed.push(l),
      },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.OK);
    expect(server.enrollRequests).toHaveLength(12);
    expect(server.connections).toHaveLength(0);
    expect(lines(await readFile(join(dir, SIM_IDENTITIES_FILE), 'utf8'))).toHaveLength(12);
    expect(printed.join('\n')).toMatch(/^enrolled: closing 0 connections$/m);
  });

  it('enrolls N agents that authenticate and report, then reuses them on the next run', async () => {
    const first = run(
      {},
      () =>
        server.authenticated.filter((c) => c.frames.some((f) => f.type === 'heartbeat')).length ===
        25,
    );
    expect(await first.result).toBe(ExitCode.OK);
    expect(server.enrollRequests).toHaveLength(25);
    expect(new Set(server.authenticated.map((c) => c.deviceId)).size).toBe(25);
    expect(server.connections.every((c) => c.invalid.length === 0)).toBe(true);
    // Every socket was closed by the agents with 1000 on the way out.
    await waitFor(() => server.connections.every((c) => c.closed), 2_000, 'all closed');
    expect(server.connections.every((c) => c.closed?.code === CloseCode.NORMAL)).toBe(true);

    const file = join(dir, SIM_IDENTITIES_FILE);
    expect(lines(await readFile(file, 'utf8'))).toHaveLength(25);
    if (process.platform !== 'win32') expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(first.lines.some((l) => /enrolled 25\/25/.test(l) && /authenticated/.test(l))).toBe(
      true,
    );

    const before = server.connections.length;
    const second = run({ token: undefined }, () => server.authenticated.length >= before + 25);
    expect(await second.result).toBe(ExitCode.OK);
    expect(server.enrollRequests).toHaveLength(25); // nobody enrolled again
    expect(second.lines[0]).toMatch(/25 reused/);
  });

  it('answers runs without executing them, checks them like a real agent, re-sends until acked', async () => {
    let stopNow = false;
    const sim = run({ count: 3 }, () => stopNow);
    await waitFor(() => server.authenticated.length === 3, 10_000, 'three agents');
    const marker = join(dir, 'must-not-exist');
    // One signed alone, two signed as a batch, as the server signs for protocol-2 agents.
    const runs = server.authenticated.map((conn) => ({
      conn,
      spec: server.runSpec(conn.deviceId ?? '', { script: `touch ${marker}` }),
    }));
    const batch = server.signBatch(runs.slice(1).map((r) => r.spec));
    runs.forEach(({ conn, spec }, i) => server.sendRun(conn, i === 0 ? spec : batch[i - 1]!));
    for (const { conn, spec } of runs) {
      const result = await waitFor(
        () => server.received('result', spec.runId)[0],
        5_000,
        'a result',
      );
      expect(result).toMatchObject({ outcome: 'succeeded', exitCode: 0, lastSeq: 0 });
      // The whole run in one frame: the result, its output inline, no run_accepted.
      expect(
        conn.frames
          .filter((f) => 'runId' in f.body && f.body.runId === spec.runId)
          .map((f) => f.type),
      ).toEqual(['result']);
      expect(server.received('output', spec.runId)).toEqual([
        {
          runId: spec.runId,
          seq: 0,
          stream: 'stdout',
          data: expect.stringMatching(/^simulated run on sim-/),
        },
      ]);
      expect(conn.invalid).toEqual([]);
    }
    expect(existsSync(marker)).toBe(false);

    // Checked like the real agent: a forged run and a run for another device are refused.
    const [a, b] = runs;
    const forged = server.signRun(
      server.runSpec(a?.conn.deviceId ?? ''),
      generateDeviceKeyPair().privateKey,
    );
    server.sendRun(a!.conn, forged);
    server.sendRun(a!.conn, server.runSpec(b?.conn.deviceId ?? ''));
    // A batch-signed run of another device, moved to this one with its proof: its leaf
    // names the other device, so it is refused as well.
    const [theirs] = server.signBatch([server.runSpec(b?.conn.deviceId ?? ''), forged.spec]);
    server.sendRun(a!.conn, { ...theirs!, spec: { ...theirs!.spec, deviceId: a!.conn.deviceId! } });
    await waitFor(() => server.received('run_rejected').length === 3, 5_000, 'three rejections');
    expect(server.received('run_rejected').map((r) => r.reason)).toEqual([
      'bad_signature',
      'wrong_device',
      'bad_signature',
    ]);

    // Unacknowledged results come back after a reconnect; acknowledged ones do not.
    server.send(a!.conn, 'results_ack', { runIds: [a!.spec.runId] });
    await delay(100);
    for (const { conn } of runs.slice(0, 2)) server.close(conn, CloseCode.GOING_AWAY);
    await waitFor(() => server.authenticated.length === 5, 10_000, 'two reconnects');
    await waitFor(() => server.received('result', b!.spec.runId).length === 2, 5_000, 'a re-send');
    expect(server.received('result', a!.spec.runId)).toHaveLength(1);

    // A re-delivery after the ack is a duplicate, and still nothing runs.
    const again = server.authenticated.find((c) => c.deviceId === a?.conn.deviceId && !c.closed);
    server.sendRun(again!, a!.spec);
    await waitFor(() => server.received('run_rejected', a!.spec.runId)[0], 5_000, 'a duplicate');
    expect(server.received('run_rejected', a!.spec.runId)[0]?.reason).toBe('duplicate');

    stopNow = true;
    expect(await sim.result).toBe(ExitCode.OK);
    expect(sim.lines.at(-1)).toMatch(/runs 3/);
  });

  it('spreads sockets over --bind source addresses', async () => {
    const sources = new Map<string, number>();
    const sim = run(
      { count: 6, bind: ['127.0.0.1', '127.0.0.2'] },
      () => server.authenticated.length === 6,
    );
    await waitFor(() => server.authenticated.length === 6, 10_000, 'six agents');
    for (const c of server.authenticated) {
      const addr = (c.ws as unknown as { _socket: { remoteAddress: string } })._socket
        .remoteAddress;
      sources.set(addr, (sources.get(addr) ?? 0) + 1);
    }
    expect(await sim.result).toBe(ExitCode.OK);
    expect(Object.fromEntries(sources)).toEqual({ '127.0.0.1': 3, '127.0.0.2': 3 });
  });

  it('needs --token only for agents not enrolled yet', async () => {
    const code = await simulate(
      { server: server.url, count: 3, bind: [], stateDir: dir, heartbeatJitter: false },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.USAGE);
  });

  it('stops enrolling at the first refusal and reports it by reason', async () => {
    await server.stop();
    server = await new FakeServer({
      enrollError: {
        status: 401,
        body: { statusCode: 401, code: 'ENROLLMENT_TOKEN_REVOKED', message: 'revoked' },
      },
    }).start();
    const log = recordingLogger();
    const code = await simulate(
      {
        server: server.url,
        token: 't',
        count: 50,
        bind: [],
        stateDir: dir,
        heartbeatJitter: false,
        print: () => {},
      },
      log,
    );
    expect(code).toBe(ExitCode.FAILURE);
    expect(server.enrollRequests.length).toBeLessThanOrEqual(20);
    expect(log.has('error', /enrollment stopped: .*ENROLLMENT_TOKEN_REVOKED/)).toBe(true);
  });

  it('waits out a rate limit as long as Retry-After says, then enrolls every agent', async () => {
    await server.stop();
    server = await new FakeServer({
      heartbeatIntervalMs: 1_000,
      enrollRateLimit: { limit: 10, windowMs: 1_000 },
    }).start();
    // No jitter: a retry that ignored Retry-After would come back at once.
    const sim = run({ random: () => 0 }, () => server.authenticated.length === 25);
    expect(await sim.result).toBe(ExitCode.OK);

    const { enrollLog } = server;
    const refused = enrollLog.flatMap((e, i) => (e.status === 429 ? [i] : []));
    expect(refused.length).toBeGreaterThan(0);
    for (const i of refused) {
      const next = enrollLog.slice(i + 1).find((e) => e.publicKey === enrollLog[i]?.publicKey);
      // Retry-After was 1 s (the fake's window); Date.now() may round a millisecond down.
      expect(next!.at - enrollLog[i]!.at).toBeGreaterThanOrEqual(999);
    }
    const enrolled = enrollLog.filter((e) => e.status === 201).map((e) => e.publicKey);
    expect(new Set(enrolled).size).toBe(25);
    expect(sim.lines.at(-1)).toMatch(/enrolled 25 new .*enroll TOO_MANY_REQUESTS ×\d+/);
  });

  it('backs off exponentially and gives up at the enrollment deadline', async () => {
    await server.stop();
    server = await new FakeServer({
      enrollRateLimit: { limit: 0, windowMs: 60_000, retryAfter: false },
    }).start();
    const log = recordingLogger();
    const printed: string[] = [];
    const started = Date.now();
    const code = await simulate(
      {
        server: server.url,
        token: 't',
        count: 5,
        bind: [],
        stateDir: dir,
        heartbeatJitter: false,
        enrollConcurrency: 2,
        enrollDeadlineMs: 1_500,
        // Each wait is a tenth of its ceiling: 100, 200, 400, then 800 ms would pass 1.5 s.
        random: () => 0.1,
        print: (l) => printed.push(l),
      },
      log,
    );
    expect(code).toBe(ExitCode.FAILURE);
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(
      log.has('error', /enrollment stopped: gave up retrying after 1.5 s; .*TOO_MANY_REQUESTS/),
    ).toBe(true);
    const tries = new Map<string, number>();
    for (const e of server.enrollLog) tries.set(e.publicKey, (tries.get(e.publicKey) ?? 0) + 1);
    expect(tries.size).toBe(2);
    // Four tries each; three if a slow machine spends 270 ms answering them.
    for (const n of tries.values()) expect([3, 4]).toContain(n);
    expect(printed.at(-2)).toMatch(/enrolled 0\/5 \(5 failed\)/);
  });
});

describe('retryDelay', () => {
  it('waits at least Retry-After, plus a full-jitter share of the growing backoff window', () => {
    const backoff = new Backoff({ random: () => 0.5 });
    const limited = new EnrollError('slow down', 429, 'TOO_MANY_REQUESTS', 3);
    expect(retryDelay(limited, backoff)).toBe(3_000 + 500);
    expect(retryDelay(limited, backoff)).toBe(3_000 + 1_000);
    expect(retryDelay(new EnrollError('down', 503), backoff)).toBe(2_000);
  });
});
