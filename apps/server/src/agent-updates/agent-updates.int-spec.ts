import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  actionRunSigningPayload,
  type AgentUpdateAction,
  agentBuildSigningPayload,
  deviceHttpAuthorization,
  type ServerMessage,
  verifyPayload,
} from '@fleetdesk/protocol';
import type { JobResponse, RunResponse } from '@fleetdesk/api-types';
import request from 'supertest';
import { enroll, type Enrolled, TestAgent, waitFor } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

const OLD = 'test';
const NEW = '0.2.0';
const BINARY = Buffer.from('pretend this is a 120 MB single-file executable');
const WIN_BINARY = Buffer.from('MZ pretend this is the Windows one');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type RunAction = Extract<ServerMessage, { type: 'run_action' }>;

describe('agent updates (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let dir: string;
  let admin: string;
  let technician: string;
  let token: string;
  const agents: TestAgent[] = [];

  const writeManifest = (version = NEW) =>
    writeFile(
      join(dir, 'manifest.json'),
      JSON.stringify({
        version,
        bundleSha256: 'x',
        platforms: [
          {
            platform: 'linux-x64',
            file: 'fleetdesk-agent-linux-x64',
            size: BINARY.length,
            sha256: sha(BINARY),
          },
          {
            platform: 'win-x64',
            file: 'fleetdesk-agent-win-x64.exe',
            size: WIN_BINARY.length,
            sha256: sha(WIN_BINARY),
          },
        ],
      }),
    );

  const device = async (name: string, tags: string[] = []): Promise<Enrolled> => {
    const id = await enroll(server.url, token, name);
    if (tags.length > 0)
      await request(server.url)
        .post(`/api/devices/${id.deviceId}/tags`)
        .set('Authorization', admin)
        .send({ tags })
        .expect(200);
    return id;
  };

  const connect = async (id: Enrolled, as: { agentVersion?: string; trial?: true } = {}) => {
    const agent = new TestAgent(server.url);
    agents.push(agent);
    await agent.opened;
    await agent.authenticate(id, id.keys.privateKey, { agentVersion: OLD, ...as });
    return agent;
  };

  const startUpdate = (body: Record<string, unknown>, auth = admin) =>
    request(server.url).post('/api/agent-updates').set('Authorization', auth).send(body);

  const runsOf = async (jobId: string): Promise<RunResponse[]> =>
    (
      (
        await request(server.url)
          .get(`/api/jobs/${jobId}/runs`)
          .set('Authorization', admin)
          .expect(200)
      ).body as { items: RunResponse[] }
    ).items;

  const runStatus = async (jobId: string) => (await runsOf(jobId))[0];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-agent-builds-'));
    await writeFile(join(dir, 'fleetdesk-agent-linux-x64'), BINARY);
    await writeFile(join(dir, 'fleetdesk-agent-win-x64.exe'), WIN_BINARY);
    await writeManifest();
    db = await TestDatabase.create();
    server = await startServer(db, { AGENT_BINARIES_DIR: dir, ENROLL_RATE_LIMIT: '1000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    technician = await (await factories(server).user({ role: 'technician' })).auth();
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'updates', maxUses: 100 })
        .expect(201)
    ).body.token as string;
  });

  afterAll(async () => {
    for (const a of agents) a.close();
    await server?.close();
    await db?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets only admins start an update, and audits it', async () => {
    const id = await device('upd-roles');
    const target = { deviceIds: [id.deviceId] };
    const refused = await startUpdate({ target }, technician).expect(403);
    expect(refused.body.message).toBeDefined();
    const res = await startUpdate({ target, maxConcurrency: 5 }).expect(201);
    const job = res.body as JobResponse;
    expect(job).toMatchObject({
      name: `Update agents to ${NEW}`,
      language: null,
      action: { kind: 'agent_update', version: NEW },
      maxConcurrency: 5,
      counts: { total: 1, pending: 1 },
    });
    const audit = await request(server.url)
      .get('/api/audit?action=agent_updates.create')
      .set('Authorization', admin)
      .expect(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'agent_updates.create',
      target: { type: 'job', id: job.id },
      details: { version: NEW, runs: 1 },
    });
    // A technician may not re-run it either: a re-run sends the same action.
    await request(server.url)
      .post(`/api/jobs/${job.id}/rerun`)
      .set('Authorization', technician)
      .send({ scope: 'all' })
      .expect(403);
  });

  it('refuses bad input and says why', async () => {
    const bad = await startUpdate({ target: {}, trialTimeoutSeconds: 1 }).expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/trialTimeoutSeconds/);
    await startUpdate({ target: { all: true }, script: { id: 'x' } }).expect(400);
  });

  it('targets like a job: only the devices with the tag get a run', async () => {
    const a = await device('upd-tag-a', ['upd-ring-1']);
    await device('upd-tag-b', ['upd-ring-2']);
    const res = await startUpdate({ target: { tags: ['upd-ring-1'] } }).expect(201);
    const runs = await runsOf((res.body as JobResponse).id);
    expect(runs.map((r) => r.device.id)).toEqual([a.deviceId]);
  });

  it('sends a signed action whose builds are signed over (platform, version, sha256)', async () => {
    const id = await device('upd-sign');
    const agent = await connect(id);
    await startUpdate({ target: { deviceIds: [id.deviceId] }, trialTimeoutSeconds: 30 }).expect(
      201,
    );
    const { body } = (await agent.next('run_action')) as RunAction;
    expect(
      verifyPayload(id.serverPublicKey, actionRunSigningPayload(body.spec), body.signature),
    ).toBe(true);
    const action = body.spec.action as AgentUpdateAction;
    expect(action).toMatchObject({ kind: 'agent_update', version: NEW, trialTimeoutMs: 30_000 });
    const linux = action.builds.find((b) => b.platform === 'linux-x64');
    expect(linux).toMatchObject({ version: NEW, sha256: sha(BINARY), size: BINARY.length });
    const signed = (b: { platform: string; sha256: string }) =>
      agentBuildSigningPayload({ platform: b.platform, version: NEW, sha256: b.sha256 });
    for (const build of action.builds)
      expect(verifyPayload(id.serverPublicKey, signed(build), build.signature)).toBe(true);
    // Not over anything else: another platform's bytes do not verify with this signature.
    expect(action.builds.map((b) => b.platform).sort()).toEqual(['linux-x64', 'win-x64']);
    const win = action.builds.find((b) => b.platform === 'win-x64');
    expect(verifyPayload(id.serverPublicKey, signed(win!), linux!.signature)).toBe(false);
  });

  it('ends succeeded only when the device reconnects with the new version, not on trial', async () => {
    const id = await device('upd-confirm');
    const agent = await connect(id);
    const job = (await startUpdate({ target: { deviceIds: [id.deviceId] } }).expect(201))
      .body as JobResponse;
    const { body } = (await agent.next('run_action')) as RunAction;
    agent.send('run_accepted', { runId: body.spec.runId, startedAt: Date.now() });
    await waitFor(async () => (await runStatus(job.id)).status === 'running');
    agent.close();

    // The new binary on trial: authenticated, but the run stays open and the device row keeps
    // the old version.
    const trial = await connect(id, { agentVersion: NEW, trial: true });
    await new Promise((r) => setTimeout(r, 300));
    expect((await runStatus(job.id)).status).toBe('running');
    trial.close();

    // Back with the old version (a rollback would look like this): still open.
    const old = await connect(id);
    await new Promise((r) => setTimeout(r, 300));
    expect((await runStatus(job.id)).status).toBe('running');
    old.close();

    await connect(id, { agentVersion: NEW });
    await waitFor(async () => (await runStatus(job.id)).status === 'succeeded');
    const dev = await request(server.url)
      .get(`/api/devices/${id.deviceId}`)
      .set('Authorization', admin)
      .expect(200);
    expect(dev.body).toMatchObject({ agentVersion: NEW, outdated: false });
  });

  it("records the agent's failure reason, and a success claimed by the old version as failed", async () => {
    const a = await device('upd-fail');
    const b = await device('upd-liar');
    const agentA = await connect(a);
    const agentB = await connect(b);
    const job = (await startUpdate({ target: { deviceIds: [a.deviceId, b.deviceId] } }).expect(201))
      .body as JobResponse;
    const result = (runId: string, outcome: 'failed' | 'succeeded', error?: string) => ({
      runId,
      outcome,
      startedAt: Date.now(),
      finishedAt: Date.now(),
      lastSeq: -1,
      outputBytes: 0,
      truncated: false,
      ...(error ? { error } : {}),
    });
    const runA = ((await agentA.next('run_action')) as RunAction).body.spec.runId;
    const runB = ((await agentB.next('run_action')) as RunAction).body.spec.runId;
    const reason =
      'the new version exited at start-up with code 1; rolled back to the previous version';
    agentA.send('result', result(runA, 'failed', reason));
    agentB.send('result', result(runB, 'succeeded'));
    await agentA.next('result_ack');
    await agentB.next('result_ack');
    const runs = await runsOf(job.id);
    const byDevice = new Map(runs.map((r) => [r.device.id, r]));
    expect(byDevice.get(a.deviceId)).toMatchObject({ status: 'failed', error: reason });
    expect(byDevice.get(b.deviceId)).toMatchObject({
      status: 'failed',
      error: `the agent reported the update done, but it is connected as version ${OLD}, not ${NEW}`,
    });
  });

  it('gives an offline device its update when it returns', async () => {
    const id = await device('upd-offline');
    const job = (await startUpdate({ target: { deviceIds: [id.deviceId] } }).expect(201))
      .body as JobResponse;
    expect((await runStatus(job.id)).status).toBe('pending');
    const agent = await connect(id);
    const { body } = (await agent.next('run_action')) as RunAction;
    expect(body.spec.jobId).toBe(job.id);
  });

  it('serves the build only to a request signed by an enrolled device', async () => {
    const id = await device('upd-download');
    const path = '/api/agent-updates/builds/linux-x64';
    const signed = (over: { path?: string; at?: number; key?: string } = {}) =>
      deviceHttpAuthorization(over.key ?? id.keys.privateKey, {
        deviceId: id.deviceId,
        method: 'GET',
        path: over.path ?? path,
        at: over.at ?? Date.now(),
      });
    const ok = await request(server.url)
      .get(path)
      .set('Authorization', signed())
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(sha(ok.body as Buffer)).toBe(sha(BINARY));

    await request(server.url).get(path).expect(401);
    await request(server.url).get(path).set('Authorization', admin).expect(401);
    const other = await enroll(server.url, token, 'upd-other');
    await request(server.url)
      .get(path)
      .set('Authorization', signed({ key: other.keys.privateKey }))
      .expect(401);
    await request(server.url)
      .get(path)
      .set('Authorization', signed({ path: '/api/agent-updates/builds/win-x64' }))
      .expect(401);
    await request(server.url)
      .get(path)
      .set('Authorization', signed({ at: Date.now() - 10 * 60_000 }))
      .expect(401);
    await request(server.url)
      .get('/api/agent-updates/builds/darwin-x64')
      .set(
        'Authorization',
        deviceHttpAuthorization(id.keys.privateKey, {
          deviceId: id.deviceId,
          method: 'GET',
          path: '/api/agent-updates/builds/darwin-x64',
          at: Date.now(),
        }),
      )
      .expect(404);
    await request(server.url)
      .post(`/api/devices/${id.deviceId}/revoke`)
      .set('Authorization', admin)
      .expect(200);
    await request(server.url).get(path).set('Authorization', signed()).expect(401);
  });

  it('marks older agents outdated, and says when there is nothing to offer', async () => {
    const id = await device('upd-outdated');
    await connect(id, { agentVersion: '0.1.0' });
    const res = await request(server.url)
      .get(`/api/devices/${id.deviceId}`)
      .set('Authorization', admin)
      .expect(200);
    expect(res.body).toMatchObject({ agentVersion: '0.1.0', outdated: true });
    const release = await request(server.url)
      .get('/api/agent-updates/release')
      .set('Authorization', technician)
      .expect(200);
    expect(release.body).toMatchObject({ version: NEW });

    await writeFile(join(dir, 'manifest.json'), '{"version": "not json');
    const none = await startUpdate({ target: { all: true } }).expect(409);
    expect(none.body.message).toMatch(/no agent build to update to/);
    await writeManifest();
  });
});
