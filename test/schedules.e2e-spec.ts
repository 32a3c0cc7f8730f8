import { Fleet } from './support/fleet';
import { buildAll, waitFor } from './support/processes';

const ZONE = 'America/New_York';

/** A wall-clock time in `zone`, as a schedule's `runAt` takes it (sv-SE prints ISO order). */
const wallClock = (d: Date, zone: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  })
    .format(d)
    .replace(' ', 'T');

/** Real server process, real agent process in its own time zone, real script. */
describe('schedules end to end', () => {
  let fleet: Fleet;
  let agent: { stateDir: string; deviceId: string };

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start({ SCHEDULER_TICK_MS: '1000' });
    // The agent's zone comes from its runtime, as on a real device set to New York time.
    fleet.agentEnv = { TZ: ZONE };
    agent = await fleet.enrollAgent();
    fleet.runAgent(agent.stateDir);
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const get = async (path: string) =>
    (await fleet.api().get(path).set('Authorization', fleet.admin).expect(200)).body as Record<
      string,
      unknown
    >;

  it("reports the device's zone, fires a device-local schedule there, runs it, and shows the outcome", async () => {
    await waitFor(
      async () => (await get(`/api/devices/${agent.deviceId}`)).timeZone === ZONE,
      30_000,
      200,
    );
    const due = new Date(Math.floor((Date.now() + 6_000) / 1000) * 1000);
    const runAt = wallClock(due, ZONE);
    const created = await fleet
      .api()
      .post('/api/schedules')
      .set('Authorization', fleet.admin)
      .send({
        name: 'e2e local',
        job: {
          command: { language: 'bash', body: 'echo scheduled-hello' },
          target: { deviceIds: [agent.deviceId] },
        },
        runAt,
        zoneMode: 'device',
        timeZone: 'Asia/Tokyo',
      })
      .expect(201);
    const id = created.body.id as string;
    const preview = await get(`/api/schedules/${id}/preview?count=5`);
    expect(preview.occurrences).toContainEqual({
      at: due.toISOString(),
      zone: ZONE,
    });

    type Item = {
      zone: string;
      status: string;
      job: { id: string; status: string; counts: { succeeded: number } } | null;
    };
    const item = await waitFor(
      async () => {
        const h = (await get(`/api/schedules/${id}/history`)) as { items: Item[] };
        const done = h.items.find((i) => i.job?.status === 'completed');
        return done;
      },
      45_000,
      250,
    );
    expect(item).toMatchObject({ zone: ZONE, status: 'fired', job: { counts: { succeeded: 1 } } });
    const runs = (await get(`/api/jobs/${item.job?.id}/runs`)) as { items: { id: string }[] };
    const run = (await get(`/api/runs/${runs.items[0].id}`)) as {
      status: string;
      output: { data: string }[];
    };
    expect(run.status).toBe('succeeded');
    expect(run.output.map((o) => o.data).join('')).toContain('scheduled-hello');
  }, 120_000);
});
