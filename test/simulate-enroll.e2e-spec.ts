import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from './support/fleet';
import { AGENT_BUNDLE, buildAll, type Proc, spawnNode, waitFor } from './support/processes';

const AGENTS = 50;
/** The token's rate: 40 get in at once, then one every 1.5 s. */
const RATE_PER_MINUTE = 40;

/**
 * More simulated devices than the token's rate lets in at once: the simulator must wait out
 * the 429s (the server's Retry-After) and get every device in, not give up on some.
 */
describe("simulator against the enrollment token's rate", () => {
  let fleet: Fleet;
  let work: string;
  let sim: Proc | undefined;

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
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
        await fleet.token(AGENTS, RATE_PER_MINUTE),
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
    expect(summary).toMatch(/enroll ENROLLMENT_TOKEN_RATE_LIMITED ×\d+/);
    expect(summary).not.toMatch(/enrollment stopped/);
  }, 120_000);
});
