import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from './support/fleet';
import { AGENT_BUNDLE, buildAll, type Proc, spawnNode, waitFor } from './support/processes';

const AGENTS = 200;

/**
 * The server dies (SIGKILL) in the middle of a fan-out to 200 agents and comes back on the
 * same database. Every run must end in exactly one terminal state, and no run may execute
 * twice: each virtual agent logs every run it accepts to an execution log.
 */
describe('server killed mid fan-out', () => {
  let fleet: Fleet;
  let work: string;
  let sim: Proc;

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
    work = await mkdtemp(join(tmpdir(), 'fleetdesk-fault-'));
  }, 180_000);
  afterAll(async () => {
    sim?.child.kill('SIGTERM');
    await fleet?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('loses nothing and runs nothing twice', async () => {
    const execLog = join(work, 'exec.log');
    sim = spawnNode(
      [
        AGENT_BUNDLE,
        'simulate',
        '--server',
        fleet.url,
        '--token',
        await fleet.token(AGENTS),
        '--count',
        String(AGENTS),
        '--state-dir',
        join(work, 'sim'),
        '--exec-log',
        execLog,
      ],
      {},
    );
    const online = async () =>
      (
        await fleet
          .api()
          .get('/api/devices?status=online&pageSize=1')
          .set('Authorization', fleet.admin)
          .expect(200)
      ).body.total as number;
    await waitFor(async () => (await online()) === AGENTS, 90_000, 250);

    const created = await fleet
      .api()
      .post('/api/jobs')
      .set('Authorization', fleet.admin)
      .send({
        command: { language: 'sh', body: 'true' },
        target: { all: true },
        maxConcurrency: 10,
      })
      .expect(201);
    const jobId = created.body.id as string;
    const counts = async () =>
      (await fleet.api().get(`/api/jobs/${jobId}`).set('Authorization', fleet.admin).expect(200))
        .body.counts as Record<string, number>;

    // Kill it once some runs have finished and most have not.
    await waitFor(async () => (await counts()).succeeded >= 20, 30_000, 20);
    await fleet.stopServer('SIGKILL');
    const before = existsSync(execLog)
      ? (await readFile(execLog, 'utf8')).split('\n').filter(Boolean).length
      : 0;
    expect(before).toBeLessThan(AGENTS);

    await fleet.startServer();
    const relogin = await fleet
      .api()
      .post('/api/auth/login')
      .send({ email: 'admin@example.com', password: 'admin-password-123' })
      .expect(200);
    fleet.admin = `Bearer ${relogin.body.accessToken}`;
    await waitFor(
      async () => {
        const c = await counts();
        return c.pending + c.dispatched + c.running === 0 && c;
      },
      90_000,
      250,
    );

    const final = await counts();
    expect(final).toMatchObject({ total: AGENTS, succeeded: AGENTS });
    const runs = await fleet
      .api()
      .get(`/api/jobs/${jobId}/runs?pageSize=200`)
      .set('Authorization', fleet.admin)
      .expect(200);
    const runIds = new Set((runs.body.items as { id: string }[]).map((r) => r.id));
    const executed = (await readFile(execLog, 'utf8')).split('\n').filter(Boolean);
    expect(executed).toHaveLength(AGENTS);
    expect(new Set(executed)).toEqual(runIds);
  }, 240_000);
});
