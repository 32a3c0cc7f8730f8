import { generateDeviceKeyPair, runSigningPayload, verifyPayload } from '@fleetdesk/protocol';
import request from 'supertest';
import { connectAgent, enroll, type TestAgent, waitFor } from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { ScriptsService } from '../scripts/scripts.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { SecretBox } from './secret-box';

const SECRET = 'correct-horse-battery-staple';
const SECRET_DEFAULT = 'default-secret-value-9f3';

describe('secrets at rest (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let agent: TestAgent;
  let deviceId: string;
  let scriptId: string;
  let jobId: string;
  let runId: string;

  const api = () => request(server.url);
  /** Every row of `table` as text, so a value anywhere in it (jsonb included) is found. */
  const rowsText = async (table: string) =>
    JSON.stringify(await server.dataSource.query(`SELECT t::text AS row FROM "${table}" t`));

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    admin = await login(server, ADMIN.email, ADMIN.password);
    const token = (
      await api()
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'secrets' })
        .expect(201)
    ).body.token as string;
    const enrolled = await enroll(server.url, token);
    deviceId = enrolled.deviceId;
    agent = await connectAgent(server.url, enrolled);

    scriptId = (
      await api()
        .post('/api/scripts')
        .set('Authorization', admin)
        .send({
          name: 'Uses secrets',
          language: 'bash',
          body: 'echo "$DB_PASSWORD $API_KEY"\n',
          parameters: [
            { name: 'DB_PASSWORD', type: 'string', secret: true },
            { name: 'API_KEY', type: 'string', secret: true, default: SECRET_DEFAULT },
            { name: 'REGION', type: 'string', default: 'eu' },
          ],
        })
        .expect(201)
    ).body.id as string;
    jobId = (
      await api()
        .post('/api/jobs')
        .set('Authorization', admin)
        .send({
          script: { id: scriptId, params: { DB_PASSWORD: SECRET } },
          target: { deviceIds: [deviceId] },
        })
        .expect(201)
    ).body.id as string;

    // The run reaches the agent with the values, flagged secret and signed.
    const run = await agent.next('run');
    expect(
      verifyPayload(enrolled.serverPublicKey, runSigningPayload(run.body.spec), run.body.signature),
    ).toBe(true);
    expect(run.body.spec.env).toEqual([
      { name: 'DB_PASSWORD', value: SECRET, secret: true },
      { name: 'API_KEY', value: SECRET_DEFAULT, secret: true },
      { name: 'REGION', value: 'eu' },
    ]);
    expect(run.body.spec.args).toEqual([SECRET, SECRET_DEFAULT, 'eu']);
    runId = run.body.spec.runId;
    agent.send('run_accepted', { runId, startedAt: Date.now() });
    agent.send('output', { runId, seq: 0, stream: 'stdout', data: '*** ***\n' });
    agent.send('result', {
      runId,
      outcome: 'succeeded',
      exitCode: 0,
      startedAt: Date.now(),
      finishedAt: Date.now(),
      lastSeq: 0,
      outputBytes: 8,
      truncated: false,
    });
    await waitFor(async () => {
      const res = await api().get(`/api/runs/${runId}`).set('Authorization', admin);
      return res.body.status === 'succeeded';
    });
  });
  afterAll(async () => {
    agent?.close();
    await server?.close();
    await db?.destroy();
  });

  it('keeps no secret in plain text in the database', async () => {
    const versions = await rowsText('script_version');
    expect(versions).toContain('API_KEY');
    expect(versions).toContain('sealedDefault');
    expect(versions).not.toContain(SECRET_DEFAULT);
    const jobs = await rowsText('job');
    expect(jobs).toContain('fd1:');
    expect(jobs).not.toContain(SECRET);
    expect(jobs).not.toContain(SECRET_DEFAULT);
    const keys = await rowsText('server_key');
    expect(keys).toContain('BEGIN PUBLIC KEY');
    expect(keys).not.toContain('PRIVATE KEY');
    // Nor anywhere else: audit, runs, output.
    for (const table of ['audit_event', 'job_run', 'run_output']) {
      const text = await rowsText(table);
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(SECRET_DEFAULT);
    }
  });

  it('shows no secret value in any API response', async () => {
    const paths = [
      '/api/scripts?pageSize=200',
      `/api/scripts/${scriptId}`,
      `/api/scripts/${scriptId}/versions/1`,
      '/api/jobs?pageSize=200',
      `/api/jobs/${jobId}`,
      `/api/jobs/${jobId}/runs`,
      `/api/runs?deviceId=${deviceId}`,
      `/api/runs/${runId}`,
      '/api/audit?pageSize=200',
    ];
    for (const path of paths) {
      const res = await api().get(path).set('Authorization', admin);
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toContain(SECRET_DEFAULT);
      expect(res.text).not.toContain('fd1:');
    }
    const job = await api().get(`/api/jobs/${jobId}`).set('Authorization', admin).expect(200);
    expect(job.body.params).toEqual({
      DB_PASSWORD: '[secret]',
      API_KEY: '[secret]',
      REGION: 'eu',
    });
    // A re-run carries the sealed values into its own job, sealed again for its own row.
    const rerun = await api()
      .post(`/api/jobs/${jobId}/rerun`)
      .set('Authorization', admin)
      .send({ scope: 'all' })
      .expect(201);
    expect(rerun.text).not.toContain(SECRET);
    const again = await agent.next('run');
    expect(again.body.spec.jobId).toBe(rerun.body.id);
    expect(again.body.spec.env[0]).toEqual({ name: 'DB_PASSWORD', value: SECRET, secret: true });
  });

  it('binds each sealed value to its row', async () => {
    const rows = (await server.dataSource.query(
      `SELECT id, sealed_env FROM job WHERE sealed_env IS NOT NULL ORDER BY created_at`,
    )) as { id: string; sealed_env: string }[];
    expect(rows.length).toBe(2);
    const box = server.app.get(SecretBox);
    expect(box.open(rows[0].sealed_env, `job:${rows[0].id}:sealed_env`)).toContain(SECRET);
    // Copied into the other job's row, it does not open.
    expect(() => box.open(rows[0].sealed_env, `job:${rows[1].id}:sealed_env`)).toThrow(
      /does not authenticate/,
    );
  });

  it('answers 409 SECRET_UNREADABLE, not 500, for a job whose sealed values no longer open', async () => {
    const [{ id, sealed_env }] = (await server.dataSource.query(
      `SELECT id, sealed_env FROM job WHERE sealed_env IS NOT NULL ORDER BY created_at LIMIT 1`,
    )) as { id: string; sealed_env: string }[];
    // One character of the ciphertext changed: the authentication tag no longer matches.
    const parts = sealed_env.split(':');
    parts[3] = (parts[3][0] === 'A' ? 'B' : 'A') + parts[3].slice(1);
    await server.dataSource.query(`UPDATE job SET sealed_env = $2 WHERE id = $1`, [
      id,
      parts.join(':'),
    ]);
    try {
      const res = await api()
        .post(`/api/jobs/${id}/rerun`)
        .set('Authorization', admin)
        .send({ scope: 'all' });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('SECRET_UNREADABLE');
      expect(res.body.message).toMatch(/does not authenticate.*altered.*secret key/);
      expect(res.text).not.toContain(SECRET);
      await api().get('/health').expect(200);
    } finally {
      await server.dataSource.query(`UPDATE job SET sealed_env = $2 WHERE id = $1`, [
        id,
        sealed_env,
      ]);
    }
  });

  it('fails only the runs of a job whose sealed values no longer open; the device gets its other work', async () => {
    const token = (
      await api()
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'unreadable' })
        .expect(201)
    ).body.token as string;
    const offline = await enroll(server.url, token);
    const start = (body: object) =>
      api().post('/api/jobs').set('Authorization', admin).send(body).expect(201);
    // Both wait for the device, which is not connected yet.
    const bad = (
      await start({
        script: { id: scriptId, params: { DB_PASSWORD: SECRET } },
        target: { deviceIds: [offline.deviceId] },
      })
    ).body.id as string;
    const good = (
      await start({
        command: { language: 'bash', body: 'echo fine' },
        target: { deviceIds: [offline.deviceId] },
      })
    ).body.id as string;
    await server.dataSource.query(
      `UPDATE job SET sealed_env = regexp_replace(sealed_env, ':[A-Za-z0-9_-]{22}$', ':AAAAAAAAAAAAAAAAAAAAAA') WHERE id = $1`,
      [bad],
    );
    const late = await connectAgent(server.url, offline);
    try {
      const run = await late.next('run');
      expect(run.body.spec.jobId).toBe(good);
      await waitFor(async () => {
        const res = await api().get(`/api/jobs/${bad}/runs`).set('Authorization', admin);
        return res.body.items?.[0]?.status === 'failed';
      });
      const runs = await api().get(`/api/jobs/${bad}/runs`).set('Authorization', admin);
      expect(runs.body.items[0].error).toMatch(/sealed parameters cannot be opened/);
      expect(runs.text).not.toContain(SECRET);
    } finally {
      late.close();
    }
  });

  it('seals rows written in plain text by an older server at the next start, once', async () => {
    const pair = generateDeviceKeyPair();
    const LEGACY = 'legacy-plain-secret-77';
    await server.dataSource.query(
      `UPDATE server_key SET public_key = $1, private_key = $2 WHERE id = 1`,
      [pair.publicKey, pair.privateKey],
    );
    await server.dataSource.query(
      `UPDATE script_version SET parameters = $2::jsonb WHERE script_id = $1 AND version = 1`,
      [
        scriptId,
        JSON.stringify([
          { name: 'DB_PASSWORD', type: 'string', required: false, secret: true },
          { name: 'API_KEY', type: 'string', required: false, secret: true, default: LEGACY },
          { name: 'REGION', type: 'string', required: false, secret: false, default: 'eu' },
        ]),
      ],
    );
    await server.dataSource.query(
      `UPDATE job SET sealed_env = NULL, env = $2::jsonb, args = $3::jsonb WHERE id = $1`,
      [
        jobId,
        JSON.stringify([
          { name: 'DB_PASSWORD', value: LEGACY },
          { name: 'API_KEY', value: LEGACY },
          { name: 'REGION', value: 'eu' },
        ]),
        JSON.stringify([LEGACY, LEGACY, 'eu']),
      ],
    );
    agent.close();
    await server.close();
    server = await startServer(db);
    for (const table of ['server_key', 'script_version', 'job']) {
      const text = await rowsText(table);
      expect(text).not.toContain(LEGACY);
      expect(text).not.toContain('PRIVATE KEY');
    }
    // Still usable: the same server key signs, the default and the job's env open again.
    const keys = server.app.get(ServerKeysService);
    expect(keys.publicKeyPem).toBe(pair.publicKey);
    expect(verifyPayload(pair.publicKey, Buffer.from('x'), keys.sign(Buffer.from('x')))).toBe(true);
    const resolved = await server.app.get(ScriptsService).resolveForRun(scriptId, 1, {});
    expect(resolved.env).toContainEqual({ name: 'API_KEY', value: LEGACY, secret: true });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const rerun = await api()
      .post(`/api/jobs/${jobId}/rerun`)
      .set('Authorization', admin)
      .send({ scope: 'all' })
      .expect(201);
    const [row] = (await server.dataSource.query(`SELECT sealed_env FROM job WHERE id = $1`, [
      rerun.body.id,
    ])) as { sealed_env: string }[];
    expect(row.sealed_env).toMatch(/^fd1:/);

    // A second start finds nothing left to seal and leaves the envelopes as they are.
    const before = await rowsText('script_version');
    await server.close();
    server = await startServer(db);
    expect(await rowsText('script_version')).toBe(before);
  });
});
