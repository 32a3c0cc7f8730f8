import type { DeviceDetail, RunDetailResponse } from '@fleetdesk/api-types';
import type { HeartbeatBody, ResultBody } from '@fleetdesk/protocol';
import request from 'supertest';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { DispatcherService } from '../jobs/dispatcher.service';
import {
  connectAgent,
  enroll,
  type Enrolled,
  sampleHeartbeat,
  sampleInventory,
} from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

/**
 * One device's report the database refuses must cost only that report. These tests hand
 * the services reports the protocol validator would refuse (as a future field, an older
 * validator or a bug might let through) and check that the other devices' rows in the same
 * batch are written, and that the refusal is counted against the device that sent it.
 */
describe('batched agent writes fall back to row by row (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;
  let telemetry: DeviceTelemetryService;
  let dispatcher: DispatcherService;
  let good: Enrolled;
  let other: Enrolled;
  let bad: Enrolled;

  const api = () => request(server.url);
  const device = async (id: string) =>
    (await api().get(`/api/devices/${id}`).set('Authorization', admin).expect(200))
      .body as DeviceDetail;
  const run = async (id: string) =>
    (await api().get(`/api/runs/${id}`).set('Authorization', admin).expect(200))
      .body as RunDetailResponse;
  const rejected = async () =>
    Object.fromEntries(
      await Promise.all(
        [good, other, bad].map(async (d) => [
          d.deviceId,
          (await device(d.deviceId)).rejectedReports,
        ]),
      ),
    ) as Record<string, number>;

  /** A job on the three devices (none connected, so the runs wait); its run id per device. */
  async function runsOfNewJob(): Promise<Record<string, string>> {
    const job = await api()
      .post('/api/jobs')
      .set('Authorization', admin)
      .send({
        command: { language: 'sh', body: 'true' },
        target: { deviceIds: [good.deviceId, other.deviceId, bad.deviceId] },
      })
      .expect(201);
    const rows = await server.dataSource.query<{ id: string; device_id: string }[]>(
      `SELECT id, device_id FROM job_run WHERE job_id = $1`,
      [job.body.id],
    );
    return Object.fromEntries(rows.map((r) => [r.device_id, r.id]));
  }

  const result = (runId: string, over: Partial<ResultBody> = {}): ResultBody => ({
    runId,
    outcome: 'succeeded',
    exitCode: 0,
    startedAt: Date.now() - 1000,
    finishedAt: Date.now(),
    lastSeq: -1,
    outputBytes: 0,
    truncated: false,
    ...over,
  });

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    token = (
      await api()
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'fallback' })
        .expect(201)
    ).body.token as string;
    good = await enroll(server.url, token, 'good');
    other = await enroll(server.url, token, 'other');
    bad = await enroll(server.url, token, 'bad');
    telemetry = server.app.get(DeviceTelemetryService);
    dispatcher = server.app.get(DispatcherService);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('results: a value out of its column fails only that run, as failed with the reason', async () => {
    const runs = await runsOfNewJob();
    const before = await rejected();
    dispatcher.receive('result', good.deviceId, result(runs[good.deviceId]));
    // A Windows crash code: over integer, within the bigint column.
    dispatcher.receive(
      'result',
      other.deviceId,
      result(runs[other.deviceId], { outcome: 'failed', exitCode: 3_221_225_477 }),
    );
    // Over bigint: PostgreSQL refuses it (22003), and with it the whole batched UPDATE.
    dispatcher.receive('result', bad.deviceId, result(runs[bad.deviceId], { exitCode: 2 ** 63 }));
    await dispatcher.flush();

    expect(await run(runs[good.deviceId])).toMatchObject({ status: 'succeeded', exitCode: 0 });
    const windows = await run(runs[other.deviceId]);
    expect(windows).toMatchObject({ status: 'failed', exitCode: 3_221_225_477 });
    expect(typeof windows.exitCode).toBe('number');
    const broken = await run(runs[bad.deviceId]);
    expect(broken).toMatchObject({ status: 'failed', exitCode: null });
    expect(broken.error).toMatch(/could not store.*out of range/);
    expect(await rejected()).toEqual({
      [good.deviceId]: before[good.deviceId],
      [other.deviceId]: before[other.deviceId],
      [bad.deviceId]: before[bad.deviceId] + 1,
    });
    expect((await device(bad.deviceId)).lastRejectedAt).not.toBeNull();
    expect((await device(good.deviceId)).lastRejectedAt).toBeNull();
  });

  it('run_accepted, run_rejected and output: the others are written', async () => {
    const runs = await runsOfNewJob();
    const before = await rejected();
    const startedAt = Date.now() - 500;
    dispatcher.receive('run_accepted', good.deviceId, { runId: runs[good.deviceId], startedAt });
    dispatcher.receive('run_accepted', other.deviceId, { runId: runs[other.deviceId], startedAt });
    // Not a uuid: the uuid[] cast refuses the batch (22P02).
    dispatcher.receive('run_accepted', bad.deviceId, { runId: 'not-a-uuid', startedAt });
    dispatcher.receive('output', good.deviceId, {
      runId: runs[good.deviceId],
      seq: 0,
      stream: 'stdout',
      data: 'from good 😀\n',
    });
    // Over integer (22003).
    dispatcher.receive('output', bad.deviceId, {
      runId: runs[bad.deviceId],
      seq: 2 ** 31,
      stream: 'stdout',
      data: 'x',
    });
    dispatcher.receive('output', other.deviceId, {
      runId: runs[other.deviceId],
      seq: 0,
      stream: 'stderr',
      data: 'from other\n',
    });
    await dispatcher.flush();

    for (const d of [good, other]) expect((await run(runs[d.deviceId])).status).toBe('running');
    expect((await run(runs[bad.deviceId])).status).toBe('pending');
    expect((await run(runs[good.deviceId])).output).toEqual([
      { seq: 0, stream: 'stdout', data: 'from good 😀\n' },
    ]);
    expect((await run(runs[other.deviceId])).output).toEqual([
      { seq: 0, stream: 'stderr', data: 'from other\n' },
    ]);
    expect((await run(runs[bad.deviceId])).output).toEqual([]);
    expect((await rejected())[bad.deviceId]).toBe(before[bad.deviceId] + 2);

    // run_rejected, in a batch of its own.
    dispatcher.receive('run_rejected', other.deviceId, {
      runId: runs[bad.deviceId],
      reason: 'bad_signature',
      message: 'wrong device',
    });
    dispatcher.receive('run_rejected', bad.deviceId, {
      runId: 'still-not-a-uuid',
      reason: 'invalid',
      message: 'x',
    });
    dispatcher.receive('run_rejected', bad.deviceId, {
      runId: runs[bad.deviceId],
      reason: 'expired',
      message: 'too late',
    });
    await dispatcher.flush();
    const refusedRun = await run(runs[bad.deviceId]);
    expect(refusedRun.status).toBe('expired');
    expect(refusedRun.error).toMatch(/too late/);
    expect((await rejected())[bad.deviceId]).toBe(before[bad.deviceId] + 3);
    expect((await rejected())[other.deviceId]).toBe(before[other.deviceId]);
  });

  it('heartbeats: unstorable metrics are dropped, every device stays online', async () => {
    const before = await rejected();
    const lone: HeartbeatBody = {
      ...sampleHeartbeat(66),
      disks: [{ mount: '\ud800', totalBytes: 1, usedBytes: 0 }],
    };
    const nul: HeartbeatBody = {
      ...sampleHeartbeat(77),
      disks: [{ mount: 'a\u0000b', totalBytes: 1, usedBytes: 0 }],
    };
    telemetry.recordHeartbeat(good.deviceId, sampleHeartbeat(42.5));
    telemetry.recordHeartbeat(bad.deviceId, lone);
    telemetry.recordHeartbeat(other.deviceId, nul);
    await telemetry.flush();

    const g = await device(good.deviceId);
    expect(g).toMatchObject({ status: 'online', rejectedReports: before[good.deviceId] });
    expect(g.metrics?.cpuPercent).toBe(42.5);
    for (const d of [bad, other]) {
      const seen = await device(d.deviceId);
      expect(seen.status).toBe('online');
      expect(seen.metrics).toBeNull();
      expect(seen.rejectedReports).toBe(before[d.deviceId] + 1);
    }
  });

  it('inventory: a refused software entry is dropped alone, a refused report only fails its device', async () => {
    const before = await rejected();
    await telemetry.saveInventory(
      good.deviceId,
      sampleInventory('good', [
        { name: 'openssl', version: '3', source: 'dpkg' },
        { name: 'bad\u0000name', version: '1', source: 'dpkg' },
        { name: 'curl', version: '8', source: 'dpkg' },
      ]),
    );
    const software = await api()
      .get(`/api/devices/${good.deviceId}/software`)
      .set('Authorization', admin)
      .expect(200);
    expect((software.body.items as { name: string }[]).map((s) => s.name).sort()).toEqual([
      'curl',
      'openssl',
    ]);
    expect((await device(good.deviceId)).inventory?.hostname).toBe('good');

    await expect(
      telemetry.saveInventory(bad.deviceId, sampleInventory('\ud800')),
    ).rejects.toThrow();
    await telemetry.saveInventory(other.deviceId, sampleInventory('other'));
    expect((await device(other.deviceId)).inventory?.hostname).toBe('other');
    expect(await rejected()).toEqual({
      [good.deviceId]: before[good.deviceId] + 1,
      [other.deviceId]: before[other.deviceId],
      [bad.deviceId]: before[bad.deviceId] + 1,
    });
  });

  it('stores and returns a 3221225477 exit code reported over a real socket', async () => {
    const windows = await enroll(server.url, token, 'windows');
    const agent = await connectAgent(server.url, windows);
    try {
      const job = await api()
        .post('/api/jobs')
        .set('Authorization', admin)
        .send({
          command: { language: 'sh', body: 'crash' },
          target: { deviceIds: [windows.deviceId] },
        })
        .expect(201);
      const { body } = await agent.next('run');
      expect(body.spec.jobId).toBe(job.body.id);
      agent.send('run_accepted', { runId: body.spec.runId, startedAt: Date.now() });
      agent.send('result', result(body.spec.runId, { outcome: 'failed', exitCode: 3_221_225_477 }));
      expect((await agent.next('result_ack')).body.runId).toBe(body.spec.runId);
      const stored = await run(body.spec.runId);
      expect(stored).toMatchObject({ status: 'failed', exitCode: 3_221_225_477 });
      const [row] = await server.dataSource.query<{ exit_code: string }[]>(
        `SELECT exit_code::text FROM job_run WHERE id = $1`,
        [body.spec.runId],
      );
      expect(row.exit_code).toBe('3221225477');
      const list = await api()
        .get(`/api/jobs/${job.body.id}/runs`)
        .set('Authorization', admin)
        .expect(200);
      expect(list.body.items[0].exitCode).toBe(3_221_225_477);
      expect((await device(windows.deviceId)).rejectedReports).toBe(0);
    } finally {
      agent.close();
    }
  });
});
