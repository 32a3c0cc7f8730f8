import { RUN_STATES, type RunState, TERMINAL_RUN_STATES } from '@fleetdesk/api-types';
import request from 'supertest';
import { enroll, type Enrolled } from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { DispatcherService } from './dispatcher.service';
import { emptyCounts, LOST_GRACE_MS } from './run-states';
import { type RunChange, RUN_TRANSITIONS, type RunTransition, RunStore } from './run-store';

interface Case {
  /** What the run's row needs besides its state for the transition to apply to it. */
  setup?: string;
  /** What the job needs (SET clause on its row). */
  jobSetup?: string;
  /** Applies the transition to every run of the job (one run per state). */
  apply: (
    store: RunStore,
    job: { id: string; runs: { runId: string; deviceId: string }[] },
  ) => Promise<{ id: string }[]>;
  /** The state it should leave a run in where it applies (`unchanged` for recordOutput). */
  to: RunState | 'unchanged';
}

const CASES: Record<RunTransition, Case> = {
  claim: {
    apply: (s, job) => s.claim([...new Set(job.runs.map((r) => r.deviceId))], 1000),
    to: 'dispatched',
  },
  accept: {
    apply: (s, job) => s.accept(job.runs.map((r) => ({ ...r, startedAt: new Date() }))),
    to: 'running',
  },
  reject: {
    apply: (s, job) => s.reject(job.runs.map((r) => ({ ...r, status: 'failed', error: 'no' }))),
    to: 'failed',
  },
  recordOutput: {
    apply: async (s, job) =>
      (
        await s.recordOutput(
          job.runs.map((r) => ({ ...r, seq: 0, stream: 'stdout' as const, data: 'x' })),
        )
      ).map((o) => ({ id: o.run_id })),
    to: 'unchanged',
  },
  finish: {
    apply: (s, job) =>
      s.finish(
        job.runs.map((r) => ({
          ...r,
          status: 'succeeded',
          error: null,
          exitCode: 0,
          startedAt: new Date(),
          finishedAt: new Date(),
          outputBytes: 0,
          truncated: false,
          lastSeq: -1,
        })),
      ),
    to: 'succeeded',
  },
  confirmAgentUpdate: {
    jobSetup: `language = NULL, action = '{"kind":"agent_update","version":"9.0.0","trialTimeoutMs":60000,"builds":[]}'::jsonb`,
    apply: async (s, job) =>
      (await Promise.all(job.runs.map((r) => s.confirmAgentUpdate(r.deviceId, '9.0.0')))).flat(),
    to: 'succeeded',
  },
  expire: {
    setup: `expires_at = now() - interval '1 second'`,
    apply: (s) => s.expire(),
    to: 'expired',
  },
  markLost: {
    // Far past the deadline (5 min timeout + grace) for both a running and a dispatched run.
    setup: `started_at = now() - interval '1 day', dispatched_at = now() - interval '1 day',
            expires_at = now() - interval '1 day'`,
    apply: (s) => s.markLost(LOST_GRACE_MS),
    to: 'lost',
  },
  cancel: {
    apply: (s, job) => s.cancel([job.id], 'cancelled before it was sent'),
    to: 'cancelled',
  },
};

/**
 * The run state machine on a real database: for every transition and every state a run can
 * be in, the transition applies exactly when RUN_TRANSITIONS allows it, and leaves the run
 * in an allowed state; otherwise the run is untouched.
 */
describe('RunStore transitions (integration, every state × transition)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let store: RunStore;
  /** One device per state: a job on all of them has one run to put in each state. */
  const devices: Enrolled[] = [];

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { ENROLL_RATE_LIMIT: '1000' });
    // Its once-a-second sweep (expire, mark lost) would race the transitions under test.
    await server.app.get(DispatcherService).beforeApplicationShutdown();
    store = server.app.get(RunStore);
    admin = await login(server, ADMIN.email, ADMIN.password);
    const token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'run-store' })
        .expect(201)
    ).body.token as string;
    for (const state of RUN_STATES) devices.push(await enroll(server.url, token, `rs-${state}`));
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  it('has a rule for every transition, and only recordOutput touches a finished run', () => {
    expect(Object.keys(RUN_TRANSITIONS).sort()).toEqual(Object.keys(CASES).sort());
    for (const [name, rule] of Object.entries(RUN_TRANSITIONS)) {
      const fromTerminal = rule.from.filter((s) =>
        (TERMINAL_RUN_STATES as readonly RunState[]).includes(s),
      );
      if (name === 'recordOutput') expect(rule.to).toBe('unchanged');
      else expect(fromTerminal).toEqual([]);
    }
  });

  it.each(Object.keys(CASES) as RunTransition[])('%s', async (transition) => {
    const c = CASES[transition];
    const rule = RUN_TRANSITIONS[transition];
    if (c.to !== 'unchanged') expect(rule.to).toContain(c.to);
    else expect(rule.to).toBe('unchanged');

    const res = await request(server.url)
      .post('/api/jobs')
      .set('Authorization', admin)
      .send({
        name: `transition ${transition}`,
        command: { language: 'sh', body: 'true' },
        target: { deviceIds: devices.map((d) => d.deviceId) },
      })
      .expect(201);
    const jobId = res.body.id as string;
    const rows = await server.dataSource.query<{ id: string; device_id: string }[]>(
      `SELECT id, device_id FROM job_run WHERE job_id = $1`,
      [jobId],
    );
    if (c.jobSetup)
      await server.dataSource.query(`UPDATE job SET ${c.jobSetup} WHERE id = $1`, [jobId]);
    const runOf = new Map(rows.map((r) => [r.device_id, r.id]));
    const byState = new Map<RunState, string>();
    for (const [i, state] of RUN_STATES.entries()) {
      const runId = runOf.get(devices[i].deviceId) as string;
      byState.set(state, runId);
      await server.dataSource.query(
        `UPDATE job_run SET status = $2${c.setup ? `, ${c.setup}` : ''} WHERE id = $1`,
        [runId, state],
      );
    }

    const applied = new Set(
      (
        await c.apply(store, {
          id: jobId,
          runs: rows.map((r) => ({ runId: r.id, deviceId: r.device_id })),
        })
      ).map((r) => r.id),
    );

    const after = await server.dataSource.query<{ id: string; status: RunState; chunks: number }[]>(
      `SELECT r.id, r.status, (SELECT count(*)::int FROM run_output o WHERE o.run_id = r.id) AS chunks
       FROM job_run r WHERE r.job_id = $1`,
      [jobId],
    );
    const now = new Map(after.map((r) => [r.id, r]));
    const seen: Record<string, { applied: boolean; status: RunState }> = {};
    const expected: Record<string, { applied: boolean; status: RunState }> = {};
    for (const state of RUN_STATES) {
      const runId = byState.get(state) as string;
      const allowed = (rule.from as readonly RunState[]).includes(state);
      seen[state] = { applied: applied.has(runId), status: now.get(runId)?.status as RunState };
      expected[state] = {
        applied: allowed,
        status: allowed && c.to !== 'unchanged' ? c.to : state,
      };
      if (transition === 'recordOutput') expect(now.get(runId)?.chunks).toBe(allowed ? 1 : 0);
    }
    // One object per transition, so a failure shows the whole row of the table at once.
    expect(seen).toEqual(expected);

    // The counts job_run_count's triggers keep agree with the runs after the transition, the
    // direct UPDATEs above, and a deleted run.
    const expectCountsOfRuns = async () => {
      const counted = await server.dataSource.query<{ status: RunState; n: number }[]>(
        `SELECT status, count(*)::int AS n FROM job_run WHERE job_id = $1 GROUP BY status`,
        [jobId],
      );
      const want = emptyCounts();
      for (const { status, n } of counted) {
        want[status] = n;
        want.total += n;
      }
      expect((await store.counts([jobId])).get(jobId)).toEqual(want);
    };
    await expectCountsOfRuns();
    await server.dataSource.query(`DELETE FROM job_run WHERE id = $1`, [byState.get('running')]);
    await expectCountsOfRuns();

    // Out of the way of the next transition's claim.
    await server.dataSource.query(`UPDATE job SET status = 'completed' WHERE id = $1`, [jobId]);
  });

  it('changes a run only for the device it belongs to', async () => {
    const res = await request(server.url)
      .post('/api/jobs')
      .set('Authorization', admin)
      .send({
        command: { language: 'sh', body: 'true' },
        target: { deviceIds: [devices[0].deviceId] },
      })
      .expect(201);
    const [run] = await server.dataSource.query<{ id: string }[]>(
      `SELECT id FROM job_run WHERE job_id = $1`,
      [res.body.id],
    );
    const other = devices[1].deviceId;
    const none: RunChange[] = [];
    expect(await store.accept([{ runId: run.id, deviceId: other, startedAt: new Date() }])).toEqual(
      none,
    );
    expect(
      await store.finish([{ runId: run.id, deviceId: other, status: 'succeeded', error: null }]),
    ).toEqual(none);
    expect(
      await store.reject([{ runId: run.id, deviceId: other, status: 'failed', error: 'x' }]),
    ).toEqual(none);
    const [row] = await server.dataSource.query<{ status: string }[]>(
      `SELECT status FROM job_run WHERE id = $1`,
      [run.id],
    );
    expect(row.status).toBe('pending');
  });
});
