import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from './support/fleet';
import { AGENT_BUNDLE, buildAll, type Proc, spawnNode, waitFor } from './support/processes';

const AGENTS = 50;

/**
 * More simulated devices than the enrollment rate limit lets in at once: the simulator must
 * wait out the 429s (the server's Retry-After) and get every device in, not give up on some.
 */
describe('simulator against the enrollment rate limit', () => {
  let fleet: Fleet;
  let work: string;
  let sim: Proc | undefined;

  beforeAll(async () => {
    buildAll();
    // The default limit, 30 per client; a 5 s window instead of the default 60 s keeps the
    // test short, and the waiting is the same in kind: Retry-After follows the window.
    fleet = await Fleet.start({ ENROLL_RATE_LIMIT: '30', ENROLL_RATE_WINDOW_SECONDS: '5' });
    work = await mkdtemp(join(tmpdir(), 'fleetdesk-sim-enroll-'));
  }, 180_000);
  afterAll(async () => {
    sim?.child.kill('SIGKILL');
    await fleet?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it(`enrolls all ${AGENTS} simulated devices, retrying the ones turned away`, async () => {
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
    await waitFor(async () => (await online()) === AGENTS, 60_000, 250);

    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
    const summary = sim.output();
    expect(summary).toMatch(/totals: enrolled 50 new/);
    // The limit did turn some away: without that the test would prove nothing.
    expect(summary).toMatch(/enroll TOO_MANY_REQUESTS ×\d+/);
    expect(summary).not.toMatch(/enrollment stopped/);
  }, 120_000);
});
