import {
  type ProtocolVersion,
  runSigningPayload,
  type ServerMessage,
  verifyPayload,
  verifyRunSignature,
} from '@fleetdesk/protocol';
import request from 'supertest';
import { io } from 'socket.io-client';
import {
  connectAgent,
  enroll,
  type Enrolled,
  type TestAgent,
  waitFor,
} from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

type RunMsg = Extract<ServerMessage, { type: 'run' }>;

describe('jobs (integration, protocol-level agents)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '10000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'jobs' })
        .expect(201)
    ).body.token as string;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const api = () => request(server.url);
  const job = async (id: string) =>
    (await api().get(`/api/jobs/${id}`).set('Authorization', admin).expect(200)).body as {
      status: string;
      stopReason: string | null;
      counts: Record<string, number>;
    };
  const createJob = (body: Record<string, unknown>) =>
    api().post('/api/jobs').set('Authorization', admin).send(body);

  async function fleet(
    n: number,
    tag?: string,
    version: ProtocolVersion = 1,
  ): Promise<{ id: Enrolled; agent: TestAgent }[]> {
    const out = [];
    for (let i = 0; i < n; i += 1) {
      const id = await enroll(server.url, token);
      if (tag)
        await api()
          .post(`/api/devices/${id.deviceId}/tags`)
          .set('Authorization', admin)
          .send({ tags: [tag] })
          .expect(200);
      out.push({ id, agent: await connectAgent(server.url, id, version) });
    }
    return out;
  }

  /** Plays the agent's side: verifies the signature, then reports the given outcome. */
  async function execute(
    a: { id: Enrolled; agent: TestAgent },
    exitCode = 0,
    text = 'hi\n',
  ): Promise<RunMsg> {
    const run = await a.agent.next('run');
    // Version-1 agents (the default here) get runs signed one by one, as they always did.
    expect(run.body.batch).toBeUndefined();
    expect(
      verifyPayload(a.id.serverPublicKey, runSigningPayload(run.body.spec), run.body.signature),
    ).toBe(true);
    expect(run.body.spec.deviceId).toBe(a.id.deviceId);
    const { runId } = run.body.spec;
    const now = Date.now();
    a.agent.send('run_accepted', { runId, startedAt: now });
    a.agent.send('output', { runId, seq: 0, stream: 'stdout', data: text });
    a.agent.send('result', {
      runId,
      outcome: exitCode === 0 ? 'succeeded' : 'failed',
      exitCode,
      startedAt: now,
      finishedAt: now + 5,
      lastSeq: 0,
      outputBytes: text.length,
      truncated: false,
    });
    return run;
  }

  it('commits the job and its runs, sends signed runs, records results idempotently, and audits', async () => {
    const devices = await fleet(3, 'jobs-a');
    const res = await createJob({
      command: { language: 'bash', body: 'echo hi' },
      target: { tags: ['jobs-a'] },
    }).expect(201);
    expect(res.body.counts.total).toBe(3);
    expect(res.body.bodySha256).toMatch(/^[0-9a-f]{64}$/);

    const runs = await Promise.all(devices.map((d, i) => execute(d, i === 2 ? 3 : 0)));
    await waitFor(async () => (await job(res.body.id)).status === 'completed', 5000);
    const done = await job(res.body.id);
    expect(done.counts).toMatchObject({ succeeded: 2, failed: 1, total: 3 });

    // The same result again (a re-send after a reconnect) changes nothing but is acknowledged.
    const d0 = devices[0];
    const runId = runs[0].body.spec.runId;
    expect((await d0.agent.next('result_ack')).body.runId).toBe(runId);
    d0.agent.send('result', {
      runId,
      outcome: 'failed',
      exitCode: 9,
      startedAt: Date.now(),
      finishedAt: Date.now(),
      lastSeq: 0,
      outputBytes: 0,
      truncated: false,
    });
    expect((await d0.agent.next('result_ack')).body.runId).toBe(runId);
    const detail = await api().get(`/api/runs/${runId}`).set('Authorization', admin).expect(200);
    expect(detail.body).toMatchObject({
      status: 'succeeded',
      exitCode: 0,
      output: [{ seq: 0, stream: 'stdout', data: 'hi\n' }],
    });
    const failedRun = await api()
      .get(`/api/runs/${runs[2].body.spec.runId}`)
      .set('Authorization', admin)
      .expect(200);
    expect(failedRun.body).toMatchObject({ status: 'failed', exitCode: 3 });

    const audit = await api()
      .get(`/api/audit?action=jobs.create&targetId=${res.body.id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({
      runs: 3,
      sha256: res.body.bodySha256,
      target: { tags: ['jobs-a'] },
    });
    devices.forEach((d) => d.agent.close());
  });

  it('serves protocol-2 agents: batch-signed runs, one-frame results, coalesced acks', async () => {
    const devices = await fleet(3, 'jobs-v2', 2);
    const old = await fleet(1, 'jobs-v2');
    const res = await createJob({
      command: { language: 'bash', body: 'echo hi' },
      target: { tags: ['jobs-v2'] },
    }).expect(201);
    const runs = await Promise.all(devices.map((d) => d.agent.next('run')));
    // One signature over the batch root; each run proves its own leaf, device id included.
    expect(new Set(runs.map((r) => r.body.signature)).size).toBe(1);
    runs.forEach((run, i) => {
      expect(run.body.batch).toMatchObject({ size: 3 });
      expect(verifyRunSignature(devices[i].id.serverPublicKey, run.body)).toBe(true);
      expect(run.body.spec.deviceId).toBe(devices[i].id.deviceId);
      // Moved to another device, the run no longer hashes to the signed root.
      const moved = {
        ...run.body,
        spec: { ...run.body.spec, deviceId: devices[(i + 1) % 3].id.deviceId },
      };
      expect(verifyRunSignature(devices[i].id.serverPublicKey, moved)).toBe(false);
    });
    // The old agent in the same job: signed alone.
    const oldRun = await old[0].agent.next('run');
    expect(oldRun.body.batch).toBeUndefined();
    expect(verifyRunSignature(old[0].id.serverPublicKey, oldRun.body)).toBe(true);

    // Each v2 agent reports its run in one frame: no run_accepted, the output inline.
    const now = Date.now();
    const result = (runId: string, data: string) => ({
      runId,
      outcome: 'succeeded' as const,
      exitCode: 0,
      startedAt: now,
      finishedAt: now + 5,
      lastSeq: 0,
      outputBytes: data.length,
      truncated: false,
      output: [{ seq: 0, stream: 'stdout' as const, data }],
    });
    runs.forEach((run, i) =>
      devices[i].agent.send('result', result(run.body.spec.runId, `hi from ${i}\n`)),
    );
    const { runId: oldRunId } = oldRun.body.spec;
    old[0].agent.send('output', { runId: oldRunId, seq: 0, stream: 'stdout', data: 'old\n' });
    old[0].agent.send('result', { ...result(oldRunId, ''), output: undefined });
    await waitFor(async () => (await job(res.body.id)).status === 'completed', 5000);
    expect((await job(res.body.id)).counts).toMatchObject({ succeeded: 4, total: 4 });
    for (const [i, run] of runs.entries()) {
      const detail = await api()
        .get(`/api/runs/${run.body.spec.runId}`)
        .set('Authorization', admin)
        .expect(200);
      expect(detail.body).toMatchObject({
        status: 'succeeded',
        output: [{ seq: 0, stream: 'stdout', data: `hi from ${i}\n` }],
      });
    }

    // Acks: each v2 agent gets one results_ack, the v1 agent its result_ack.
    for (const [i, d] of devices.entries()) {
      expect((await d.agent.next('results_ack')).body.runIds).toEqual([runs[i].body.spec.runId]);
    }
    // Two more runs on one device, reported together: acknowledged in a single frame.
    const d0 = devices[0];
    const more = [];
    for (let k = 0; k < 2; k++) {
      await createJob({
        command: { language: 'bash', body: 'echo more' },
        target: { deviceIds: [d0.id.deviceId] },
      }).expect(201);
      more.push((await d0.agent.next('run')).body.spec.runId);
    }
    more.forEach((runId) => d0.agent.send('result', result(runId, 'more\n')));
    const both = await d0.agent.next('results_ack');
    expect([...both.body.runIds].sort()).toEqual([...more].sort());
    expect((await old[0].agent.next('result_ack')).body.runId).toBe(oldRunId);
    expect(old[0].agent.received.some((m) => m.type === 'results_ack')).toBe(false);
    [...devices, ...old].forEach((d) => d.agent.close());
  });

  it('refuses a result from a device that does not own the run', async () => {
    const [a, b] = await fleet(2, 'jobs-b');
    const res = await createJob({
      command: { language: 'sh', body: 'true' },
      target: { tags: ['jobs-b'] },
    }).expect(201);
    const runA = await a.agent.next('run');
    await b.agent.next('run');
    b.agent.send('result', {
      runId: runA.body.spec.runId,
      outcome: 'succeeded',
      exitCode: 0,
      startedAt: Date.now(),
      finishedAt: Date.now(),
      lastSeq: -1,
      outputBytes: 0,
      truncated: false,
    });
    await new Promise((r) => setTimeout(r, 300));
    const runs = await api()
      .get(`/api/jobs/${res.body.id}/runs`)
      .set('Authorization', admin)
      .expect(200);
    expect(runs.body.items.every((r: { status: string }) => r.status === 'dispatched')).toBe(true);
    a.agent.close();
    b.agent.close();
  });

  it('holds runs for offline devices until they connect, and expires them if they never do', async () => {
    const late = await enroll(server.url, token);
    const never = await enroll(server.url, token);
    const res = await createJob({
      command: { language: 'sh', body: 'true' },
      target: { deviceIds: [late.deviceId, never.deviceId] },
      offlineExpirySeconds: 2,
    }).expect(201);
    const agent = await connectAgent(server.url, late);
    await execute({ id: late, agent });
    await waitFor(async () => (await job(res.body.id)).status === 'completed', 6000);
    const done = await job(res.body.id);
    expect(done.counts).toMatchObject({ succeeded: 1, expired: 1 });
    agent.close();
  });

  it('sends no more than maxConcurrency runs at once', async () => {
    const devices = await fleet(4, 'jobs-c');
    const res = await createJob({
      command: { language: 'sh', body: 'true' },
      target: { tags: ['jobs-c'] },
      maxConcurrency: 2,
    }).expect(201);
    await new Promise((r) => setTimeout(r, 1500));
    const received = devices.filter((d) => d.agent.received.some((m) => m.type === 'run'));
    expect(received).toHaveLength(2);
    for (const d of received) await execute(d);
    // The other two get theirs only once slots free up.
    const rest = devices.filter((x) => !received.includes(x));
    for (const d of rest) await execute(d);
    await waitFor(async () => (await job(res.body.id)).status === 'completed', 4000);
    devices.forEach((d) => d.agent.close());
  });

  it('stops the job when more than the threshold of finished runs failed', async () => {
    const devices = await fleet(4, 'jobs-d');
    const res = await createJob({
      command: { language: 'sh', body: 'false' },
      target: { tags: ['jobs-d'] },
      maxConcurrency: 1,
      failureThresholdPercent: 0,
    }).expect(201);
    const first =
      devices.find((d) => d.agent.received.some((m) => m.type === 'run')) ??
      (await waitFor(
        () => Promise.resolve(devices.find((d) => d.agent.received.some((m) => m.type === 'run'))),
        3000,
      ));
    await execute(first, 1);
    await waitFor(async () => (await job(res.body.id)).status === 'stopped', 4000);
    const stopped = await job(res.body.id);
    expect(stopped.stopReason).toMatch(/1 of 1 finished runs failed/);
    // The freed slot may have dispatched a second run just before the stop: that one waits
    // for the agent to act on its cancel (this protocol-level agent never does). The other
    // runs never left the server and are cancelled outright.
    expect(stopped.counts).toMatchObject({ failed: 1, succeeded: 0, pending: 0 });
    expect(stopped.counts.cancelled).toBeGreaterThanOrEqual(2);
    expect(stopped.counts.cancelled + stopped.counts.dispatched).toBe(3);
    devices.forEach((d) => d.agent.close());
  });

  it('cancels: pending runs end at once, running runs get a signed cancel', async () => {
    const [a] = await fleet(1, 'jobs-e');
    const offline = await enroll(server.url, token);
    await api()
      .post(`/api/devices/${offline.deviceId}/tags`)
      .set('Authorization', admin)
      .send({ tags: ['jobs-e'] })
      .expect(200);
    const res = await createJob({
      command: { language: 'sh', body: 'sleep 100' },
      target: { tags: ['jobs-e'] },
    }).expect(201);
    const run = await a.agent.next('run');
    a.agent.send('run_accepted', { runId: run.body.spec.runId, startedAt: Date.now() });
    await waitFor(async () => (await job(res.body.id)).counts.running === 1, 3000);
    const cancelled = await api()
      .post(`/api/jobs/${res.body.id}/cancel`)
      .set('Authorization', admin)
      .expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.counts.cancelled).toBe(1);
    const cancel = await a.agent.next('cancel');
    expect(cancel.body.runId).toBe(run.body.spec.runId);
    await api().post(`/api/jobs/${res.body.id}/cancel`).set('Authorization', admin).expect(409);
    const audit = await api()
      .get(`/api/audit?action=jobs.cancel&targetId=${res.body.id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].details).toMatchObject({
      sha256: res.body.bodySha256,
      pendingCancelled: 1,
      inFlight: 1,
    });
    a.agent.close();
  });

  it('re-runs the failed part of a job as a new, audited job', async () => {
    const devices = await fleet(2, 'jobs-f');
    const res = await createJob({
      command: { language: 'sh', body: 'exit 1' },
      target: { tags: ['jobs-f'] },
    }).expect(201);
    await execute(devices[0], 0);
    await execute(devices[1], 1);
    await waitFor(async () => (await job(res.body.id)).status === 'completed', 4000);
    const rerun = await api()
      .post(`/api/jobs/${res.body.id}/rerun`)
      .set('Authorization', admin)
      .send({ scope: 'failed' })
      .expect(201);
    expect(rerun.body).toMatchObject({
      rerunOf: res.body.id,
      counts: { total: 1 },
      bodySha256: res.body.bodySha256,
    });
    const again = await devices[1].agent.next('run');
    expect(again.body.spec.runId).not.toBe(res.body.id);
    const audit = await api()
      .get(`/api/audit?action=jobs.rerun&targetId=${rerun.body.id}`)
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items).toHaveLength(1);
    devices.forEach((d) => d.agent.close());
  });

  it('refuses bad job requests without writing anything', async () => {
    const before = (await api().get('/api/jobs').set('Authorization', admin)).body.total as number;
    await createJob({ command: { language: 'bash', body: 'x' }, target: {} }).expect(400);
    await createJob({ command: { language: 'cobol', body: 'x' }, target: { all: true } }).expect(
      400,
    );
    await createJob({ target: { all: true } }).expect(400);
    await createJob({
      command: { language: 'sh', body: 'x' },
      target: { deviceIds: ['00000000-0000-4000-8000-000000000000'] },
    }).expect(400);
    await createJob({
      command: { language: 'sh', body: 'x' },
      target: { all: true },
      timeoutSeconds: 0,
    }).expect(400);
    expect((await api().get('/api/jobs').set('Authorization', admin)).body.total).toBe(before);
  });

  it('streams output live to consoles watching the job; a late viewer gets the rest over REST', async () => {
    const [a] = await fleet(1, 'jobs-g');
    const res = await createJob({
      command: { language: 'sh', body: 'yes | head' },
      target: { tags: ['jobs-g'] },
    }).expect(201);
    const jobId = res.body.id as string;
    const session = admin.replace('Bearer ', '');
    const viewer = io(server.url, {
      auth: { token: session },
      transports: ['websocket'],
      reconnection: false,
    });
    const live: { seq: number; data: string }[] = [];
    viewer.on('run.output', (e: { jobId: string; seq: number; data: string }) => {
      if (e.jobId === jobId) live.push(e);
    });
    await new Promise<void>((resolve, reject) => {
      viewer.on('connect', () => resolve());
      viewer.on('connect_error', reject);
    });
    expect(await viewer.emitWithAck('job.watch', jobId)).toBe(true);

    const run = await a.agent.next('run');
    const { runId } = run.body.spec;
    a.agent.send('run_accepted', { runId, startedAt: Date.now() });
    for (let seq = 0; seq < 3; seq += 1)
      a.agent.send('output', { runId, seq, stream: 'stdout', data: `line ${seq}\n` });
    await waitFor(() => Promise.resolve(live.length === 3), 3000);
    expect(live.map((c) => c.seq)).toEqual([0, 1, 2]);

    // Someone opening the job now loads what exists, then follows the tail from its last seq.
    const sofar = await api().get(`/api/runs/${runId}`).set('Authorization', admin).expect(200);
    expect(sofar.body.output.map((o: { data: string }) => o.data).join('')).toBe(
      'line 0\nline 1\nline 2\n',
    );
    a.agent.send('output', { runId, seq: 3, stream: 'stderr', data: 'late\n' });
    await waitFor(() => Promise.resolve(live.length === 4), 3000);
    const tail = await api()
      .get(`/api/runs/${runId}?afterSeq=2`)
      .set('Authorization', admin)
      .expect(200);
    expect(tail.body.output).toEqual([{ seq: 3, stream: 'stderr', data: 'late\n' }]);
    // A repeated chunk (re-sent after a reconnect) is stored and shown once.
    a.agent.send('output', { runId, seq: 3, stream: 'stderr', data: 'late\n' });
    await new Promise((r) => setTimeout(r, 300));
    expect(live).toHaveLength(4);
    viewer.close();
    a.agent.close();
  });
});
