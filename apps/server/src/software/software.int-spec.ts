import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import {
  actionRunSigningPayload,
  deviceHttpAuthorization,
  type ServerMessage,
  type SoftwareAction,
  verifyPayload,
} from '@fleetdesk/protocol';
import type {
  JobResponse,
  RunResponse,
  SoftwareInstallerResponse,
  SoftwareRunDetail,
  SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import request from 'supertest';
import { enroll, type Enrolled, TestAgent, waitFor } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

type RunAction = Extract<ServerMessage, { type: 'run_action' }>;
const UPLOAD_MAX = 64 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('software catalogue and deployments (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let technician: string;
  let viewer: string;
  let token: string;
  const agents: TestAgent[] = [];

  const api = () => request(server.url);
  const device = (name: string): Promise<Enrolled> => enroll(server.url, token, name);
  const connect = async (id: Enrolled) => {
    const agent = new TestAgent(server.url);
    agents.push(agent);
    await agent.opened;
    await agent.authenticate(id, id.keys.privateKey);
    return agent;
  };
  const auditOf = async (action: string) =>
    (await api().get(`/api/audit?action=${action}`).set('Authorization', admin).expect(200)).body
      .items as { action: string; target: { id: string }; details: Record<string, unknown> }[];
  const runsOf = async (jobId: string): Promise<RunResponse[]> =>
    (await api().get(`/api/jobs/${jobId}/runs`).set('Authorization', admin).expect(200)).body
      .items as RunResponse[];
  const upload = (fileName: string, bytes: Buffer, query = '', auth = technician) =>
    api()
      .post(`/api/software/installers?fileName=${encodeURIComponent(fileName)}${query}`)
      .set('Authorization', auth)
      .set('content-type', 'application/octet-stream')
      .send(bytes);

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, {
      SOFTWARE_UPLOAD_MAX_BYTES: String(UPLOAD_MAX),
      ENROLL_RATE_LIMIT: '1000',
    });
    admin = await login(server, ADMIN.email, ADMIN.password);
    technician = await (await factories(server).user({ role: 'technician' })).auth();
    viewer = await (await factories(server).user({ role: 'viewer' })).auth();
    token = (
      await api()
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'software', maxUses: 100 })
        .expect(201)
    ).body.token as string;
  }, 180_000);

  afterAll(async () => {
    for (const a of agents) a.close();
    await server?.close();
    await db?.destroy();
  });

  it('keeps titles with a package per manager: created, changed, removed, each audited', async () => {
    const packages = [
      { manager: 'winget', name: '7zip.7zip' },
      { manager: 'choco', name: '7zip', version: '23.1.0' },
      { manager: 'apt', name: 'p7zip-full' },
      { manager: 'brew', name: 'sevenzip' },
    ];
    await api()
      .post('/api/software/titles')
      .set('Authorization', viewer)
      .send({ name: '7-Zip', packages })
      .expect(403);
    const created = (
      await api()
        .post('/api/software/titles')
        .set('Authorization', technician)
        .send({ name: '7-Zip', publisher: 'Igor Pavlov', packages })
        .expect(201)
    ).body as SoftwareTitleResponse;
    expect(created).toMatchObject({ name: '7-Zip', publisher: 'Igor Pavlov', packages });
    await api()
      .post('/api/software/titles')
      .set('Authorization', technician)
      .send({ name: '7-zip', packages: [] })
      .expect(409);
    const listed = (
      await api().get('/api/software/titles').set('Authorization', viewer).expect(200)
    ).body as SoftwareTitleResponse[];
    expect(listed.map((t) => t.id)).toContain(created.id);

    const changed = (
      await api()
        .patch(`/api/software/titles/${created.id}`)
        .set('Authorization', technician)
        .send({ packages: [{ manager: 'apt', name: 'p7zip-full', version: '16.02+dfsg-8' }] })
        .expect(200)
    ).body as SoftwareTitleResponse;
    expect(changed.packages).toEqual([
      { manager: 'apt', name: 'p7zip-full', version: '16.02+dfsg-8' },
    ]);
    expect((await auditOf('software.titles.create'))[0]).toMatchObject({
      target: { id: created.id },
      details: { name: '7-Zip', packages },
    });
    expect((await auditOf('software.titles.update'))[0]).toMatchObject({
      details: { after: { packages: [{ name: 'p7zip-full', version: '16.02+dfsg-8' }] } },
    });

    const doomed = (
      await api()
        .post('/api/software/titles')
        .set('Authorization', technician)
        .send({ name: 'Doomed', packages: [{ manager: 'apt', name: 'sl' }] })
        .expect(201)
    ).body as SoftwareTitleResponse;
    await api()
      .delete(`/api/software/titles/${doomed.id}`)
      .set('Authorization', technician)
      .expect(204);
    await api().get(`/api/software/titles/${doomed.id}`).set('Authorization', viewer).expect(404);
    expect((await auditOf('software.titles.delete'))[0]).toMatchObject({
      target: { id: doomed.id },
      details: { name: 'Doomed', packages: [{ manager: 'apt', name: 'sl' }] },
    });
  });

  it.each([
    [{ manager: 'apt', name: 'foo; rm -rf /' }, /not a valid apt package name/],
    [{ manager: 'apt', name: '--option=evil' }, /cannot start with "-"/],
    [{ manager: 'winget', name: 'two words' }, /not a valid winget package name/],
    [{ manager: 'brew', name: 'wget', version: '1.0' }, /brew installs one version per formula/],
    [{ manager: 'apt', name: 'hello', version: '1.0;reboot' }, /not a valid apt version/],
    [{ manager: 'npm', name: 'left-pad' }, /manager must be one of/],
  ])('refuses the title package %j with a clear reason', async (pkg, reason) => {
    const res = await api()
      .post('/api/software/titles')
      .set('Authorization', technician)
      .send({ name: `Bad ${JSON.stringify(pkg)}`.slice(0, 100), packages: [pkg] })
      .expect(400);
    expect(res.body.message).toMatch(reason);
  });

  it('stores an upload by its SHA-256, audits it, and refuses an oversized one without keeping it', async () => {
    const bytes = Buffer.from('MZ pretend setup program');
    const res = await upload(
      'C:\\Users\\me\\setup.exe',
      bytes,
      '&silentArgs=/S&silentArgs=/D=C:\\App',
    ).expect(201);
    const installer = res.body as SoftwareInstallerResponse;
    expect(installer).toMatchObject({
      fileName: 'setup.exe',
      type: 'exe',
      sha256: sha(bytes),
      size: bytes.length,
      silentArgs: ['/S', '/D=C:\\App'],
    });
    expect((await auditOf('software.installers.upload'))[0]).toMatchObject({
      target: { id: installer.id },
      details: { sha256: sha(bytes), size: bytes.length, fileName: 'setup.exe' },
    });

    const blobs = join(db.dataDir, 'software', 'blobs');
    const before = await readdir(blobs);
    const big = Buffer.alloc(UPLOAD_MAX + 1, 7);
    const refused = await upload('big.msi', big).expect(413);
    expect(refused.body).toMatchObject({ code: 'SOFTWARE_UPLOAD_TOO_LARGE' });
    // Sent without a length up front (chunked): cut off at the limit, nothing left behind.
    const chunked = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/api/software/installers?fileName=big.msi`,
        {
          method: 'POST',
          headers: { authorization: technician, 'content-type': 'application/octet-stream' },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write(big.subarray(0, UPLOAD_MAX / 2));
      req.end();
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: 'SOFTWARE_UPLOAD_TOO_LARGE' });
    expect((await readdir(blobs)).sort()).toEqual(before.sort());

    await upload('notes.txt', bytes).expect(400);
    await upload('pkg.deb', bytes, '&silentArgs=--force-all').expect(400);
    await upload('setup.exe', bytes, '', viewer).expect(403);
  });

  it('deploys a title through POST /api/jobs as a signed software action, and records the run detail', async () => {
    const title = (
      await api()
        .post('/api/software/titles')
        .set('Authorization', technician)
        .send({
          name: 'Hello',
          packages: [
            { manager: 'apt', name: 'hello', version: '2.10-3' },
            { manager: 'dnf', name: 'hello' },
          ],
        })
        .expect(201)
    ).body as SoftwareTitleResponse;
    const id = await device('sw-deploy');
    const agent = await connect(id);
    const job = (
      await api()
        .post('/api/jobs')
        .set('Authorization', technician)
        .send({
          target: { deviceIds: [id.deviceId] },
          software: { operation: 'install', titleId: title.id },
          maxConcurrency: 10,
        })
        .expect(201)
    ).body as JobResponse;
    expect(job).toMatchObject({
      name: 'Install Hello',
      language: null,
      maxConcurrency: 10,
      action: {
        kind: 'software',
        operation: 'install',
        packages: [
          { manager: 'apt', name: 'hello', version: '2.10-3' },
          { manager: 'dnf', name: 'hello' },
        ],
      },
    });
    const { body } = (await agent.next('run_action')) as RunAction;
    expect(
      verifyPayload(id.serverPublicKey, actionRunSigningPayload(body.spec), body.signature),
    ).toBe(true);
    expect(body.spec.action).toEqual({
      kind: 'software',
      operation: 'install',
      packages: [
        { manager: 'apt', name: 'hello', version: '2.10-3' },
        { manager: 'dnf', name: 'hello' },
      ],
    });
    const software: SoftwareRunDetail = {
      operation: 'install',
      manager: 'apt',
      package: 'hello',
      versionBefore: null,
      versionAfter: '2.10-3',
      rebootRequired: false,
      nothingToDo: false,
    };
    agent.send('result', {
      runId: body.spec.runId,
      outcome: 'succeeded',
      startedAt: Date.now(),
      finishedAt: Date.now(),
      lastSeq: -1,
      outputBytes: 0,
      truncated: false,
      software,
    });
    await waitFor(async () => (await runsOf(job.id))[0].status === 'succeeded');
    expect((await runsOf(job.id))[0].software).toEqual(software);
    const audit = (await auditOf('jobs.create')).find((e) => e.target.id === job.id);
    expect(audit?.details).toMatchObject({
      action: { kind: 'software', operation: 'install' },
      software: {
        operation: 'install',
        title: { id: title.id, name: 'Hello' },
        packages: [{ manager: 'apt', name: 'hello', version: '2.10-3' }, { manager: 'dnf' }],
      },
    });
  });

  it("records a software run's end in patch compliance: last successful update run, reboot-required", async () => {
    const id = await device('sw-patches');
    const agent = await connect(id);
    const target = { deviceIds: [id.deviceId] };
    const patches = async () =>
      (
        await api()
          .get(`/api/patch-compliance/devices/${id.deviceId}`)
          .set('Authorization', viewer)
          .expect(200)
      ).body as { lastUpdateRunAt: string | null; rebootRequired: boolean | null };
    const deploy = async (
      software: Record<string, unknown>,
      outcome: 'succeeded' | 'failed',
      detail: Partial<SoftwareRunDetail>,
      finishedAt: number,
    ) => {
      const job = (
        await api().post('/api/jobs').set('Authorization', technician).send({ target, software })
      ).body as JobResponse;
      const { body } = (await agent.next('run_action')) as RunAction;
      const result = {
        runId: body.spec.runId,
        outcome,
        startedAt: finishedAt - 1000,
        finishedAt,
        lastSeq: -1,
        outputBytes: 0,
        truncated: false,
        ...(outcome === 'failed' ? { error: 'dpkg said no' } : {}),
        software: {
          operation: software.operation,
          manager: 'apt',
          package: null,
          versionBefore: null,
          versionAfter: null,
          rebootRequired: null,
          nothingToDo: false,
          ...detail,
        } as SoftwareRunDetail,
      };
      agent.send('result', result);
      await waitFor(async () => (await runsOf(job.id))[0].status === outcome);
    };
    expect(await patches()).toMatchObject({ lastUpdateRunAt: null, rebootRequired: null });

    const applied = Date.parse('2026-11-29T08:00:00Z');
    await deploy(
      { operation: 'apply_updates' },
      'succeeded',
      { rebootRequired: true, pendingUpdates: 3 },
      applied,
    );
    expect(await patches()).toEqual(
      expect.objectContaining({
        lastUpdateRunAt: new Date(applied).toISOString(),
        rebootRequired: true,
      }),
    );

    // A failed upgrade keeps the last success; what it could tell of the reboot state counts.
    const pkg = { manager: 'apt', name: 'sl' };
    await deploy(
      { operation: 'upgrade', package: pkg },
      'failed',
      { rebootRequired: false },
      applied + 60_000,
    );
    expect(await patches()).toMatchObject({
      lastUpdateRunAt: new Date(applied).toISOString(),
      rebootRequired: false,
    });

    // An uninstall is not an update run; an install that succeeded is.
    await deploy(
      { operation: 'uninstall', package: pkg },
      'succeeded',
      { rebootRequired: true },
      applied + 120_000,
    );
    expect(await patches()).toMatchObject({
      lastUpdateRunAt: new Date(applied).toISOString(),
      rebootRequired: false,
    });
    const installed = applied + 180_000;
    await deploy(
      { operation: 'install', package: pkg },
      'succeeded',
      { versionAfter: '5.02-1' },
      installed,
    );
    expect(await patches()).toMatchObject({
      lastUpdateRunAt: new Date(installed).toISOString(),
      rebootRequired: false,
    });
  });

  it('takes the exact apply-updates body, a single package, and an installer the device can fetch', async () => {
    const id = await device('sw-apply');
    const agent = await connect(id);
    const target = { deviceIds: [id.deviceId] };
    const apply = (
      await api()
        .post('/api/jobs')
        .set('Authorization', technician)
        .send({ target, software: { operation: 'apply_updates', securityOnly: false } })
        .expect(201)
    ).body as JobResponse;
    expect(apply).toMatchObject({ name: 'Apply updates', action: { kind: 'software' } });
    expect(((await agent.next('run_action')) as RunAction).body.spec.action).toEqual({
      kind: 'software',
      operation: 'apply_updates',
      packages: [],
      securityOnly: false,
    });

    await api()
      .post('/api/jobs')
      .set('Authorization', technician)
      .send({ target, software: { operation: 'upgrade', package: { manager: 'apt', name: 'sl' } } })
      .expect(201);
    expect(((await agent.next('run_action')) as RunAction).body.spec.action).toEqual({
      kind: 'software',
      operation: 'upgrade',
      packages: [{ manager: 'apt', name: 'sl' }],
    });

    const bytes = Buffer.from('pretend msi');
    const installer = (await upload('tool.msi', bytes, '&silentArgs=ALLUSERS=1').expect(201))
      .body as SoftwareInstallerResponse;
    await api()
      .post('/api/jobs')
      .set('Authorization', technician)
      .send({ target, software: { operation: 'install', installerId: installer.id } })
      .expect(201);
    const action = ((await agent.next('run_action')) as RunAction).body.spec
      .action as SoftwareAction;
    expect(action.installer).toEqual({
      id: installer.id,
      type: 'msi',
      sha256: sha(bytes),
      size: bytes.length,
      silentArgs: ['ALLUSERS=1'],
    });
    const path = `/api/software/installers/${installer.id}/content`;
    await api().get(path).expect(401);
    const fetched = await api()
      .get(path)
      .set(
        'Authorization',
        deviceHttpAuthorization(id.keys.privateKey, {
          deviceId: id.deviceId,
          method: 'GET',
          path,
          at: Date.now(),
        }),
      )
      .buffer(true)
      .parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(sha(fetched.body as Buffer)).toBe(sha(bytes));
  });

  it('deletes an installer only when no unfinished deployment uses it, audited with its hash', async () => {
    const bytes = Buffer.from('pretend deb to delete');
    const first = (await upload('tool_1.0_amd64.deb', bytes).expect(201))
      .body as SoftwareInstallerResponse;
    const twin = (await upload('copy.deb', bytes).expect(201)).body as SoftwareInstallerResponse;
    const blob = join(db.dataDir, 'software', 'blobs', sha(bytes));
    const id = await device('sw-delete');
    const agent = await connect(id);
    const job = (
      await api()
        .post('/api/jobs')
        .set('Authorization', technician)
        .send({
          target: { deviceIds: [id.deviceId] },
          software: { operation: 'install', installerId: first.id },
        })
        .expect(201)
    ).body as JobResponse;
    const del = (installerId: string, auth = technician) =>
      api().delete(`/api/software/installers/${installerId}`).set('Authorization', auth);

    const inUse = await del(first.id).expect(409);
    expect(inUse.body).toMatchObject({ code: 'SOFTWARE_INSTALLER_IN_USE' });
    expect(inUse.body.message).toMatch(/1 run\(s\)/);
    await del(first.id, viewer).expect(403);

    const { body } = (await agent.next('run_action')) as RunAction;
    agent.send('result', {
      runId: body.spec.runId,
      outcome: 'failed',
      error: 'the hash did not match',
      startedAt: Date.now(),
      finishedAt: Date.now(),
      lastSeq: -1,
      outputBytes: 0,
      truncated: false,
    });
    await waitFor(async () => (await runsOf(job.id))[0].status === 'failed');

    await del(first.id).expect(204);
    await api().get(`/api/software/installers/${first.id}`).set('Authorization', admin).expect(404);
    await del(first.id).expect(404);
    // The twin has the same bytes: they stay until it goes too.
    expect((await readdir(join(db.dataDir, 'software', 'blobs'))).includes(sha(bytes))).toBe(true);
    await del(twin.id).expect(204);
    await expect(readdir(blob)).rejects.toThrow(/ENOENT/);
    const audit = (await auditOf('software.installers.delete')).find(
      (e) => e.target.id === first.id,
    );
    expect(audit?.details).toEqual({
      fileName: 'tool_1.0_amd64.deb',
      type: 'deb',
      sha256: sha(bytes),
      size: bytes.length,
    });
    await del('00000000-0000-4000-8000-000000000000').expect(404);
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['no source', { operation: 'install' }, /exactly one of titleId, installerId or package/],
    [
      'a hostile name',
      { operation: 'install', package: { manager: 'apt', name: 'foo; rm -rf /' } },
      /not a valid apt package name/,
    ],
    [
      'a leading dash',
      { operation: 'uninstall', package: { manager: 'apt', name: '-y' } },
      /cannot start with "-"/,
    ],
    [
      'a version to uninstall with apt',
      { operation: 'uninstall', package: { manager: 'apt', name: 'sl' }, version: '5.02-1' },
      /^apt: apt removes the installed version; a version cannot be chosen$/,
    ],
    [
      'a version to upgrade to with pacman',
      { operation: 'upgrade', package: { manager: 'pacman', name: 'vim' }, version: '9.1-1' },
      /pacman upgrades to the version its repositories hold; a version cannot be chosen/,
    ],
    [
      'a version to uninstall with brew',
      { operation: 'uninstall', package: { manager: 'brew', name: 'wget' }, version: '1.24' },
      /brew uninstalls a formula, not one version of it/,
    ],
    [
      'a hostile version to upgrade to',
      { operation: 'upgrade', package: { manager: 'apt', name: 'sl' }, version: '1.0; reboot' },
      /not a valid apt version/,
    ],
    [
      'an option as the version to upgrade to',
      { operation: 'upgrade', package: { manager: 'dnf', name: 'sl' }, version: '--option=evil' },
      /cannot start with "-"/,
    ],
    [
      'a leading dash as the version to uninstall',
      { operation: 'uninstall', package: { manager: 'winget', name: '7zip.7zip' }, version: '-1' },
      /cannot start with "-"/,
    ],
    [
      'spaces in the version to uninstall',
      { operation: 'uninstall', package: { manager: 'choco', name: '7zip' }, version: '23 1' },
      /not a valid choco version/,
    ],
    [
      'securityOnly on install',
      { operation: 'install', package: { manager: 'apt', name: 'sl' }, securityOnly: true },
      /only with apply_updates/,
    ],
    ['an unknown operation', { operation: 'format' }, /operation must be one of/],
    [
      'a package with apply_updates',
      { operation: 'apply_updates', package: { manager: 'apt', name: 'sl' } },
      /apply_updates takes no/,
    ],
  ])('refuses a deployment with %s', async (_name, software, reason) => {
    const id = await device(`sw-bad-${Math.random().toString(36).slice(2, 8)}`);
    const res = await api()
      .post('/api/jobs')
      .set('Authorization', technician)
      .send({ target: { deviceIds: [id.deviceId] }, software })
      .expect(400);
    expect(res.body.message).toMatch(reason);
  });

  it('sends a version to upgrade to or to uninstall where the manager can choose one, and refuses a title where one of its managers cannot', async () => {
    const id = await device('sw-version');
    const agent = await connect(id);
    const target = { deviceIds: [id.deviceId] };
    const sent = async (software: Record<string, unknown>) => {
      const job = (
        await api()
          .post('/api/jobs')
          .set('Authorization', technician)
          .send({ target, software })
          .expect(201)
      ).body as JobResponse;
      return { job, action: ((await agent.next('run_action')) as RunAction).body.spec.action };
    };

    const upgrade = await sent({
      operation: 'upgrade',
      package: { manager: 'apt', name: 'sl' },
      version: '5.02-1',
    });
    expect(upgrade.job.name).toBe('Upgrade sl 5.02-1');
    expect(upgrade.action).toEqual({
      kind: 'software',
      operation: 'upgrade',
      packages: [{ manager: 'apt', name: 'sl', version: '5.02-1' }],
    });
    const uninstall = await sent({
      operation: 'uninstall',
      package: { manager: 'winget', name: '7zip.7zip' },
      version: '23.01',
    });
    expect(uninstall.action).toEqual({
      kind: 'software',
      operation: 'uninstall',
      packages: [{ manager: 'winget', name: '7zip.7zip', version: '23.01' }],
    });
    const audit = (await auditOf('jobs.create')).find((e) => e.target.id === uninstall.job.id);
    expect(audit?.details).toMatchObject({
      software: { operation: 'uninstall', version: '23.01' },
    });

    // A title's pins are install pins: an upgrade without a version sends none; with one,
    // every package gets it, and a manager that cannot take it refuses the whole request.
    const title = (
      await api()
        .post('/api/software/titles')
        .set('Authorization', technician)
        .send({
          name: 'Seven Zip',
          packages: [
            { manager: 'winget', name: '7zip.7zip', version: '23.01' },
            { manager: 'choco', name: '7zip' },
          ],
        })
        .expect(201)
    ).body as SoftwareTitleResponse;
    const plain = await sent({ operation: 'upgrade', titleId: title.id });
    expect((plain.action as SoftwareAction).packages).toEqual([
      { manager: 'winget', name: '7zip.7zip' },
      { manager: 'choco', name: '7zip' },
    ]);
    const pinned = await sent({ operation: 'uninstall', titleId: title.id, version: '22.01' });
    expect((pinned.action as SoftwareAction).packages).toEqual([
      { manager: 'winget', name: '7zip.7zip', version: '22.01' },
      { manager: 'choco', name: '7zip', version: '22.01' },
    ]);
    const mixed = (
      await api()
        .post('/api/software/titles')
        .set('Authorization', technician)
        .send({
          name: 'Seven Zip everywhere',
          packages: [
            { manager: 'winget', name: '7zip.7zip' },
            { manager: 'apt', name: 'p7zip-full' },
          ],
        })
        .expect(201)
    ).body as SoftwareTitleResponse;
    const refused = await api()
      .post('/api/jobs')
      .set('Authorization', technician)
      .send({ target, software: { operation: 'uninstall', titleId: mixed.id, version: '23.01' } })
      .expect(400);
    expect(refused.body.message).toBe(
      'apt: apt removes the installed version; a version cannot be chosen',
    );
    const jobs = (await api().get('/api/jobs').set('Authorization', technician).expect(200)).body
      .items as { name: string }[];
    expect(jobs.some((j) => j.name.startsWith('Uninstall Seven Zip everywhere'))).toBe(false);
  });

  it('refuses a job with both a command and software, and a viewer deploying', async () => {
    const id = await device('sw-both');
    const target = { deviceIds: [id.deviceId] };
    const software = { operation: 'apply_updates' };
    const both = await api()
      .post('/api/jobs')
      .set('Authorization', technician)
      .send({ target, software, command: { language: 'sh', body: 'true' } })
      .expect(400);
    expect(both.body.message).toMatch(/exactly one of/);
    await api()
      .post('/api/jobs')
      .set('Authorization', viewer)
      .send({ target, software })
      .expect(403);
  });
});
