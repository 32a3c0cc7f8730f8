import { createHash, randomBytes } from 'node:crypto';
import {
  access,
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  realpath,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { JobResponse, LogBundleResponse } from '@fleetdesk/api-types';
import { DEFAULT_LOG_DENY_GLOBS } from '@fleetdesk/api-types';
import { Fleet } from './support/fleet';
import { untar } from './support/tar';
import { buildAll, type Proc, waitFor } from './support/processes';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** Ten lines a minute apart from T0, each stamped the way many services write them. */
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const APP_LINES = Array.from(
  { length: 10 },
  (_, i) => `${new Date(T0 + i * 60_000).toISOString()} INFO request ${i} served\n`,
);

/**
 * Real server process, real agent processes, real files: collections end to end, the path
 * policy judged on the device, and an upload killed half way that resumes byte-identical.
 */
describe('log collection end to end', () => {
  let fleet: Fleet;
  let work: string;
  /** realpath of the folder the allow-list opens (tmpdir may itself be a symlink). */
  let logs: string;
  let outside: string;
  let bin: string;
  let agent: { stateDir: string; deviceId: string };
  const agentProcs: Proc[] = [];

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
    work = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-logs-')));
    logs = join(work, 'logs');
    outside = join(work, 'outside');
    bin = join(work, 'bin');
    await mkdir(join(logs, 'app'), { recursive: true });
    await mkdir(outside);
    await mkdir(bin);
    await writeFile(join(logs, 'app.log'), APP_LINES.join(''));
    await writeFile(join(logs, 'app', 'a.log'), 'alpha 1\nalpha 2\n');
    await writeFile(join(logs, 'app', 'b.log'), 'bravo without a final newline');
    await writeFile(join(logs, 'app', 'c.txt'), 'not matched by *.log\n');
    await writeFile(join(logs, 'server.key'), 'PRIVATE KEY MATERIAL\n');
    await writeFile(join(outside, 'secret.txt'), 'outside the allow-list\n');
    await symlink(join(outside, 'secret.txt'), join(logs, 'link.log'));
    await writeFile(join(logs, 'evil.log'), `${'a'.repeat(40)}!\n`);
    // journald is absent here: a journalctl on PATH that records its arguments and prints
    // what journalctl -o short-iso-precise would.
    await writeFile(
      join(bin, 'journalctl'),
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${join(work, 'journalctl-args')}"\n` +
        `printf '2026-11-20T10:00:00.000000+0000 host nginx[1]: started\\n'\n` +
        `printf '2026-11-20T10:05:00.000000+0000 host nginx[1]: reloaded\\n'\n`,
    );
    await chmod(join(bin, 'journalctl'), 0o755);
    fleet.agentEnv = { PATH: `${bin}:${process.env.PATH ?? ''}` };

    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .send({ allow: [`${logs}/**`] })
      .expect(200);
    agent = await fleet.enrollAgent();
    agentProcs.push(fleet.runAgent(agent.stateDir));
    await waitFor(async () => (await device(agent.deviceId)).status === 'online', 15_000);
  }, 240_000);
  afterAll(async () => {
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const device = async (id: string) =>
    (await fleet.api().get(`/api/devices/${id}`).set('Authorization', fleet.admin).expect(200))
      .body as { status: string };

  async function collect(body: Record<string, unknown>, deviceId = agent.deviceId) {
    const res = await fleet
      .api()
      .post('/api/log-collections')
      .set('Authorization', fleet.admin)
      .send({ target: { deviceIds: [deviceId] }, ...body })
      .expect(201);
    return res.body as JobResponse;
  }

  /** The job's one bundle once it reached `status` (complete by default). */
  async function bundleOf(jobId: string, status = 'complete', timeoutMs = 20_000) {
    return waitFor<LogBundleResponse>(
      async () => {
        const res = await fleet
          .api()
          .get(`/api/log-bundles?jobId=${jobId}`)
          .set('Authorization', fleet.admin)
          .expect(200);
        const [bundle] = res.body as LogBundleResponse[];
        return bundle?.status === status && bundle;
      },
      timeoutMs,
      100,
    ).catch(async (err: Error) => {
      // Say why: the run's state and output, and what the agents and the server logged.
      const runs = await fleet
        .api()
        .get(`/api/jobs/${jobId}/runs`)
        .set('Authorization', fleet.admin);
      const run = runs.body.items?.[0] as { id: string } | undefined;
      const detail = run
        ? (await fleet.api().get(`/api/runs/${run.id}`).set('Authorization', fleet.admin)).body
        : null;
      throw new Error(
        `${err.message}\nrun: ${JSON.stringify(detail)}\nagents: ${agentProcs
          .map((p) => p.output())
          .join('\n---\n')
          .slice(-2500)}\nserver: ${fleet.server?.output().slice(-4000)}`,
      );
    });
  }

  const download = async (bundleId: string, index: number) =>
    (
      await fleet
        .api()
        .get(`/api/log-bundles/${bundleId}/files/${index}`)
        .set('Authorization', fleet.admin)
        .buffer(true)
        .parse((res, cb) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => cb(null, Buffer.concat(parts)));
        })
        .expect(200)
    ).body as Buffer;

  it('collects a file, a glob and a journald unit; stored hashes are the files on disk', async () => {
    const job = await collect({
      sources: [
        { type: 'file', path: join(logs, 'app.log') },
        { type: 'file', path: `${logs}/app/*.log` },
        { type: 'journald', unit: 'nginx.service', priority: 6 },
      ],
    });
    expect(job.action).toEqual({ kind: 'collect_logs', sources: 3 });
    const bundle = await bundleOf(job.id);
    expect(bundle.refused).toEqual([]);
    expect(bundle.files.map((f) => [f.source, f.path])).toEqual([
      [0, join(logs, 'app.log')],
      [1, join(logs, 'app', 'a.log')],
      [1, join(logs, 'app', 'b.log')],
      [2, 'journald:nginx.service priority<=6'],
    ]);
    for (const [i, path] of [
      join(logs, 'app.log'),
      join(logs, 'app', 'a.log'),
      join(logs, 'app', 'b.log'),
    ].entries()) {
      const onDisk = await readFile(path);
      expect(bundle.files[i]).toMatchObject({
        size: onDisk.length,
        sha256: sha256(onDisk),
        complete: true,
      });
      expect(await download(bundle.id, i)).toEqual(onDisk);
    }
    expect((await download(bundle.id, 3)).toString()).toBe(
      '2026-11-20T10:00:00.000000+0000 host nginx[1]: started\n2026-11-20T10:05:00.000000+0000 host nginx[1]: reloaded\n',
    );
    expect((await readFile(join(work, 'journalctl-args'), 'utf8')).split('\n')).toEqual(
      expect.arrayContaining([
        '--unit=nginx.service',
        '--priority=6',
        '--output=short-iso-precise',
      ]),
    );

    // The whole bundle as .tar.gz holds the same bytes.
    const archive = await fleet
      .api()
      .get(`/api/log-bundles/${bundle.id}/archive`)
      .set('Authorization', fleet.admin)
      .buffer(true)
      .parse((res, cb) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => cb(null, Buffer.concat(parts)));
      })
      .expect(200);
    const files = untar(gunzipSync(archive.body as Buffer));
    expect([...files.keys()].map((n) => n.split('/')[1])).toEqual([
      '000-app.log',
      '001-a.log',
      '002-b.log',
      '003-journald_nginx.service_priority__6',
    ]);
    expect([...files.values()][0]).toEqual(await readFile(join(logs, 'app.log')));
  }, 60_000);

  it('keeps exactly the last N lines, and exactly the lines since a time', async () => {
    const last = await bundleOf(
      (await collect({ sources: [{ type: 'file', path: join(logs, 'app.log') }], lastLines: 3 }))
        .id,
    );
    expect((await download(last.id, 0)).toString()).toBe(APP_LINES.slice(7).join(''));

    const since = new Date(T0 + 4 * 60_000).toISOString();
    const until = new Date(T0 + 6 * 60_000).toISOString();
    const window = await bundleOf(
      (await collect({ sources: [{ type: 'file', path: join(logs, 'app.log') }], since, until }))
        .id,
    );
    expect((await download(window.id, 0)).toString()).toBe(APP_LINES.slice(4, 7).join(''));

    const filtered = await bundleOf(
      (
        await collect({
          sources: [{ type: 'file', path: join(logs, 'app.log') }],
          filter: { mode: 'regex', pattern: 'request [13579] ' },
        })
      ).id,
    );
    expect((await download(filtered.id, 0)).toString()).toBe(
      APP_LINES.filter((_, i) => i % 2 === 1).join(''),
    );
  }, 60_000);

  it('refuses a denied path, a symlink out of the allow-list and a ../ escape, and audits them', async () => {
    const escape = `${logs}/../outside/secret.txt`;
    const job = await collect({
      sources: [
        { type: 'file', path: join(logs, 'server.key') },
        { type: 'file', path: join(logs, 'link.log') },
        { type: 'file', path: escape },
        { type: 'file', path: join(agent.stateDir, 'state.json') },
        { type: 'file', path: join(logs, 'app', 'a.log') },
      ],
    });
    const bundle = await bundleOf(job.id);
    expect(bundle.files.map((f) => f.path)).toEqual([join(logs, 'app', 'a.log')]);
    const stateReal = await realpath(join(agent.stateDir, 'state.json'));
    expect(bundle.refused.map((r) => [r.source, r.reason, r.realPath])).toEqual([
      [0, 'denied', join(logs, 'server.key')],
      [1, 'not_allowed', join(outside, 'secret.txt')],
      [2, 'not_allowed', join(outside, 'secret.txt')],
      [3, 'denied', stateReal],
    ]);
    expect(bundle.refused[0].message).toMatch(/deny \*\*\/\*\.key/);
    expect(bundle.refused[3].message).toMatch(/own state directory/);

    const audit = await fleet
      .api()
      .get('/api/audit?action=log_collections.*')
      .set('Authorization', fleet.admin)
      .expect(200);
    const entries = audit.body.items as { action: string; details: Record<string, unknown> }[];
    const refused = entries.find(
      (e) => e.action === 'log_collections.refused' && e.details.jobId === job.id,
    );
    expect(refused?.details.refused).toHaveLength(4);
    const collected = entries.find(
      (e) => e.action === 'log_collections.collected' && e.details.jobId === job.id,
    );
    expect(collected?.details).toMatchObject({
      asked: expect.arrayContaining([{ type: 'file', path: escape }]),
      sent: [expect.objectContaining({ path: join(logs, 'app', 'a.log'), size: 16 })],
    });
    const created = entries.find((e) => e.action === 'log_collections.create');
    expect(created).toBeDefined();
    // The default deny-list came along with the admin's allow-list change.
    const settings = await fleet
      .api()
      .get('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .expect(200);
    expect(settings.body.deny).toEqual(DEFAULT_LOG_DENY_GLOBS);
  }, 60_000);

  it('stops a catastrophic regular expression at its time limit; the agent stays responsive', async () => {
    const started = Date.now();
    const job = await collect({
      sources: [
        { type: 'file', path: join(logs, 'evil.log') },
        { type: 'file', path: join(logs, 'app', 'a.log') },
      ],
      filter: { mode: 'regex', pattern: '^(a+)+$', timeoutSeconds: 1 },
    });
    const bundle = await bundleOf(job.id);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(bundle.refused).toEqual([
      expect.objectContaining({
        source: 0,
        reason: 'failed',
        message: expect.stringMatching(/more than 1000 ms/),
      }),
    ]);
    expect(bundle.files.map((f) => [f.source, f.size])).toEqual([[1, 0]]);
  }, 60_000);

  it('refuses a bad request with a clear error', async () => {
    const bad = async (body: Record<string, unknown>, message: RegExp) => {
      const res = await fleet
        .api()
        .post('/api/log-collections')
        .set('Authorization', fleet.admin)
        .send({ target: { deviceIds: [agent.deviceId] }, ...body })
        .expect(400);
      expect(res.body.message).toMatch(message);
    };
    await bad({ sources: [{ type: 'file', path: 'relative.log' }] }, /must be absolute/);
    await bad({ sources: [{ type: 'nope' }] }, /expected one of: file, journald, eventlog/);
    await bad({ sources: [{ type: 'journald', unit: 'a;b' }] }, /systemd unit/);
    await bad(
      { sources: [{ type: 'file', path: '/var/log/x' }], filter: { mode: 'regex', pattern: '(' } },
      /not a regular expression/,
    );
    // Only admins edit the policy.
    const tech = await fleet
      .api()
      .post('/api/users')
      .set('Authorization', fleet.admin)
      .send({
        email: 'tech@example.com',
        displayName: 'Tech',
        password: 'a-long-password-1',
        role: 'technician',
      })
      .expect(201);
    expect(tech.body.role).toBe('technician');
    const login = await fleet
      .api()
      .post('/api/auth/login')
      .send({ email: 'tech@example.com', password: 'a-long-password-1' })
      .expect(200);
    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', `Bearer ${login.body.accessToken}`)
      .send({ allow: ['/**'] })
      .expect(403);
  }, 60_000);

  // The socket (protocol 7) unless the agent is told to use HTTP, as against an older server.
  it.each([
    ['the socket', {}],
    ['HTTP', { FLEETDESK_LOG_UPLOAD_TRANSPORT: 'http' }],
  ] as const)(
    'resumes an upload over %s cut by killing the agent: the stored file is byte-identical',
    async (transport, transportEnv) => {
      const big = join(logs, 'big.log');
      // Random bytes do not compress, so the upload takes many chunks (256 KiB each).
      const content = randomBytes(3 * 1024 * 1024 + 12345);
      await writeFile(big, content);
      const other = await fleet.enrollAgent();
      // Slow uploads down so the kill lands half way.
      const baseEnv = fleet.agentEnv;
      fleet.agentEnv = { ...baseEnv, ...transportEnv, FLEETDESK_LOG_UPLOAD_PACE_MS: '150' };
      let proc: Proc = fleet.runAgent(other.stateDir);
      agentProcs.push(proc);
      await waitFor(async () => (await device(other.deviceId)).status === 'online', 15_000);
      const job = await collect({ sources: [{ type: 'file', path: big }] }, other.deviceId);
      const partial = await waitFor(
        async () => {
          const res = await fleet
            .api()
            .get(`/api/log-bundles?jobId=${job.id}`)
            .set('Authorization', fleet.admin)
            .expect(200);
          const [b] = res.body as LogBundleResponse[];
          return b && b.receivedBytes >= 3 * 256 * 1024 && b;
        },
        30_000,
        20,
      );
      proc.child.kill('SIGKILL');
      await proc.exited;
      expect(partial.status).toBe('uploading');
      expect(partial.receivedBytes).toBeLessThan(content.length);

      fleet.agentEnv = { ...baseEnv, ...transportEnv };
      proc = fleet.runAgent(other.stateDir);
      fleet.agentEnv = baseEnv;
      agentProcs.push(proc);
      const bundle = await bundleOf(job.id, 'complete', 30_000);
      expect(bundle.receivedBytes).toBe(content.length);
      expect(bundle.files[0]).toMatchObject({ size: content.length, sha256: sha256(content) });
      expect(sha256(await download(bundle.id, 0))).toBe(sha256(content));
      // The staged copy on the device is gone once the server holds it all.
      await waitFor(async () => {
        const left = await access(join(other.stateDir, 'log-uploads', bundle.runId)).catch(
          (err: NodeJS.ErrnoException) => err.code,
        );
        return left === 'ENOENT';
      }, 10_000);
      expect(proc.output()).toContain(
        `log bundle of run ${bundle.runId} uploaded over ${transport}`,
      );
    },
    90_000,
  );
});
