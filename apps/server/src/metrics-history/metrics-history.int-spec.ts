import request from 'supertest';
import { enroll, sampleHeartbeat } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { MetricsHistoryService } from './metrics-history.service';
import { seriesSql } from './metrics-sql';

interface PlanNode {
  'Node Type': string;
  'Heap Fetches'?: number;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

const MIN = 60_000;
const QUARTER = 15 * MIN;

describe('metrics history (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let viewer: string;
  let history: MetricsHistoryService;
  let deviceId: string;
  let otherId: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    // Loops off: the test drives flush and roll-up itself.
    server = await startServer(db, { MONITOR_TICK_MS: '0', METRICS_MINUTE_RETENTION_HOURS: '2' });
    const admin = await login(server, ADMIN.email, ADMIN.password);
    viewer = await (await factories(server).user({ role: 'viewer' })).auth();
    const token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'metrics' })
        .expect(201)
    ).body.token as string;
    deviceId = (await enroll(server.url, token, 'charted')).deviceId;
    otherId = (await enroll(server.url, token, 'other')).deviceId;
    history = server.app.get(MetricsHistoryService);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  const series = (query: string, auth = viewer, status = 200) =>
    request(server.url)
      .get(`/api/devices/${deviceId}/metrics${query}`)
      .set('Authorization', auth)
      .expect(status);

  it('folds heartbeats into one row per device per minute, averages and peaks', async () => {
    const minute = Math.floor(Date.now() / MIN) * MIN - 10 * MIN;
    const hb = (cpu: number, usedGb: number) => ({
      ...sampleHeartbeat(cpu),
      memory: { totalBytes: 100e9, usedBytes: usedGb * 1e9 },
      disks: [
        { mount: '/', totalBytes: 100, usedBytes: 27, availableBytes: 73 },
        { mount: '/data', totalBytes: 100, usedBytes: 50, availableBytes: 40 },
      ],
    });
    history.record(deviceId, hb(10, 20), minute + 1000);
    history.record(deviceId, hb(30, 40), minute + 31_000);
    history.record(otherId, hb(99, 99), minute + 2000);
    history.record(deviceId, hb(50, 60), minute + MIN + 5000);
    // A second process heard one more heartbeat of the same minute: it adds to the row.
    expect(await history.flush()).toBe(3);
    history.record(deviceId, hb(20, 30), minute + 50_000);
    expect(await history.flush()).toBe(1);
    const [{ n }] = (await server.dataSource.query(
      `SELECT count(*)::int AS n FROM device_metric_1m WHERE device_id = $1`,
      [deviceId],
    )) as { n: number }[];
    expect(n).toBe(2);

    const res = await series(
      `?from=${new Date(minute).toISOString()}&to=${new Date(minute + 2 * MIN).toISOString()}`,
    );
    expect(res.body.resolution).toBe('1m');
    expect(res.body.points).toEqual([
      {
        at: new Date(minute).toISOString(),
        samples: 3,
        cpuAvg: 20,
        cpuMax: 30,
        memAvg: 30,
        memMax: 40,
        // df's Use% of the fuller disk: 50 / (50 + 40), rounded up.
        diskMax: 56,
        loadAvg: sampleHeartbeat().load[0],
      },
      expect.objectContaining({ at: new Date(minute + MIN).toISOString(), samples: 1, cpuAvg: 50 }),
    ]);
  });

  it('rolls each closed quarter up once, however many processes try, and prunes past retention', async () => {
    const start = Math.floor(Date.now() / QUARTER) * QUARTER - 3 * QUARTER;
    await server.dataSource.query(`DELETE FROM device_metric_1m`);
    await server.dataSource.query(`UPDATE metric_rollup SET rolled_until = $1`, [new Date(start)]);
    // Two quarters of minutes, 2 heartbeats each: cpu = the minute's index.
    for (let i = 0; i < 30; i++) {
      history.record(deviceId, sampleHeartbeat(i), start + i * MIN);
      history.record(deviceId, sampleHeartbeat(i), start + i * MIN + 30_000);
    }
    await history.flush();
    // Two "processes" at once: every closed quarter (the last one empty) rolled once in all.
    // Quarters close 2 minutes late (the roll-up's grace): 3, or 2 early in a quarter.
    const closed = Math.floor((Date.now() - 2 * MIN - start) / QUARTER);
    const [a, b] = await Promise.all([history.rollup(), history.rollup()]);
    expect(a + b).toBe(closed);
    const rows = (await server.dataSource.query(
      `SELECT bucket, samples, cpu_sum, cpu_max FROM device_metric_15m WHERE device_id = $1 ORDER BY bucket`,
      [deviceId],
    )) as { bucket: Date; samples: number; cpu_sum: number; cpu_max: number }[];
    expect(
      rows.map((r) => [new Date(r.bucket).getTime(), r.samples, r.cpu_sum, r.cpu_max]),
    ).toEqual([
      [start, 30, ((2 * (0 + 14) * 15) / 2) * 1, 14],
      [start + QUARTER, 30, (2 * (15 + 29) * 15) / 2, 29],
    ]);
    const month = await series(
      `?from=${new Date(start).toISOString()}&to=${new Date(start + 2 * QUARTER).toISOString()}&resolution=15m`,
    );
    expect(month.body.points.map((p: { cpuAvg: number }) => p.cpuAvg)).toEqual([7, 22]);

    // Minutes older than the retention (2 h here) and quarters older than 30 days go.
    const old = Date.now() - 3 * 3_600_000;
    history.record(deviceId, sampleHeartbeat(), old);
    await history.flush();
    await server.dataSource.query(
      `INSERT INTO device_metric_15m (device_id, bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, load_sum)
       VALUES ($1, now() - interval '31 days', 1, 1, 1, 1, 1, 1)`,
      [deviceId],
    );
    await history.prune(true);
    const left = (await server.dataSource.query(
      `SELECT (SELECT count(*)::int FROM device_metric_1m WHERE bucket < now() - interval '2 hours') AS m,
              (SELECT count(*)::int FROM device_metric_15m WHERE bucket < now() - interval '30 days') AS q`,
    )) as { m: number; q: number }[];
    expect(left[0]).toEqual({ m: 0, q: 0 });
  });

  it('reads a month chart from the quarter key alone, no heap page, once a roll-up ran', async () => {
    // Two days of quarters for both devices, written quarter by quarter as the roll-up does,
    // so one device's rows are spread over the table's pages.
    await server.dataSource.query(
      `INSERT INTO device_metric_15m (device_id, bucket, samples, cpu_sum, cpu_max, mem_sum, mem_max, disk_max, load_sum)
       SELECT d.id, b, 30, 300, 20, 600, 40, 50, 15
       FROM generate_series(date_trunc('hour', now()) - interval '2 days',
                            date_trunc('hour', now()) - interval '1 hour', interval '15 minutes') AS b
       CROSS JOIN unnest($1::uuid[]) AS d(id)
       ON CONFLICT DO NOTHING`,
      [[deviceId, otherId]],
    );
    // One more closed quarter to roll up: the roll-up then marks the new pages all-visible.
    await server.dataSource.query(
      `UPDATE metric_rollup SET rolled_until = rolled_until - interval '15 minutes'`,
    );
    expect(await history.rollup()).toBeGreaterThanOrEqual(1);
    const to = new Date();
    const from = new Date(to.getTime() - 30 * 86_400_000);
    const plan = await server.dataSource.transaction(async (m) => {
      // A table this small would be read whole; the chart's shape at scale is the key scan.
      await m.query(`SET LOCAL enable_seqscan = off`);
      await m.query(`SET LOCAL enable_bitmapscan = off`);
      const [row] = await m.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${seriesSql('device_metric_15m')}`,
        [deviceId, from, to],
      );
      return row['QUERY PLAN'][0].Plan;
    });
    const scan = nodes(plan).find((n) => n['Node Type'].includes('Scan'));
    expect(scan).toMatchObject({ 'Node Type': 'Index Only Scan', 'Heap Fetches': 0 });
    expect(scan?.['Actual Rows']).toBeGreaterThanOrEqual(2 * 96 - 4);
    const res = await series(`?from=${from.toISOString()}&to=${to.toISOString()}&resolution=15m`);
    expect(res.body.points.length).toBe(scan?.['Actual Rows']);
    expect(res.body.points).toContainEqual(
      expect.objectContaining({ samples: 30, cpuAvg: 10, memAvg: 20, diskMax: 50 }),
    );
  });

  it('answers bad ranges and unknown devices with clear errors', async () => {
    const now = Date.now();
    const at = (ms: number) => new Date(ms).toISOString();
    const bad = await series(`?from=${at(now)}&to=${at(now - MIN)}`, viewer, 400);
    expect(JSON.stringify(bad.body)).toMatch(/from must be before to/);
    const tooMany = await series(
      `?from=${at(now - 30 * 86_400_000)}&to=${at(now)}&resolution=1m`,
      viewer,
      400,
    );
    expect(JSON.stringify(tooMany.body)).toMatch(/more than 5000 1m points/);
    await series('?from=yesterday', viewer, 400);
    await series('?resolution=5m', viewer, 400);
    // A month asked without a resolution gets 15-minute buckets.
    const auto = await series(`?from=${at(now - 30 * 86_400_000)}&to=${at(now)}`);
    expect(auto.body.resolution).toBe('15m');
    await request(server.url)
      .get(`/api/devices/00000000-0000-4000-8000-000000000000/metrics`)
      .set('Authorization', viewer)
      .expect(404);
  });
});
