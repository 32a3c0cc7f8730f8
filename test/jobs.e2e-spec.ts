import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fleet } from './support/fleet';
import { buildAll, waitFor } from './support/processes';
import { startRelay } from './support/relay';

interface Job {
  id: string;
  status: string;
  counts: Record<string, number>;
}
interface Run {
  id: string;
  status: string;
  exitCode: number | null;
  output: { seq: number; stream: string; data: string }[];
  error: string | null;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Real server process, real agent processes, real scripts, real sockets. */
describe('jobs end to end', () => {
  let fleet: Fleet;
  let marks: string;
  let agent: { stateDir: string; deviceId: string };

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
    marks = await mkdtemp(join(tmpdir(), 'fleetdesk-marks-'));
    agent = await fleet.enrollAgent();
    fleet.runAgent(agent.stateDir);
    await waitFor(async () => (await device(agent.deviceId)).status === 'online', 10_000);
  }, 180_000);
  afterAll(async () => {
    await fleet?.stop();
    await rm(marks, { recursive: true, force: true });
  });

  const device = async (id: string) =>
    (await fleet.api().get(`/api/devices/${id}`).set('Authorization', fleet.admin).expect(200))
      .body as { status: string };
  const job = async (id: string) =>
    (await fleet.api().get(`/api/jobs/${id}`).set('Authorization', fleet.admin).expect(200))
      .body as Job;
  const runsOf = async (jobId: string) =>
    (await fleet.api().get(`/api/jobs/${jobId}/runs`).set('Authorization', fleet.admin).expect(200))
      .body.items as { id: string; status: string }[];
  const run = async (id: string) =>
    (await fleet.api().get(`/api/runs/${id}`).set('Authorization', fleet.admin).expect(200))
      .body as Run;

  async function start(
    body: string,
    extra: Record<string, unknown> = {},
    deviceId = agent.deviceId,
  ): Promise<Job> {
    const res = await fleet
      .api()
      .post('/api/jobs')
      .set('Authorization', fleet.admin)
      .send({ command: { language: 'bash', body }, target: { deviceIds: [deviceId] }, ...extra })
      .expect(201);
    return res.body as Job;
  }

  const OPEN = ['pending', 'dispatched', 'running'];

  /** Waits until the job's (single) run has reached a terminal state. */
  async function finished(jobId: string, timeoutMs = 20_000): Promise<Run> {
    const [r] = await waitFor(
      async () => {
        const runs = await runsOf(jobId);
        return runs.every((x) => !OPEN.includes(x.status)) && runs;
      },
      timeoutMs,
      200,
    );
    return run(r.id);
  }

  const lines = async (file: string) =>
    existsSync(file) ? (await readFile(file, 'utf8')).split('\n').filter(Boolean) : [];

  it('runs a script: exit 0 with its output, exit 3 kept as failed', async () => {
    const ok = await finished((await start('echo "hello from $(hostname)"; echo oops >&2')).id);
    expect(ok.status).toBe('succeeded');
    expect(ok.exitCode).toBe(0);
    expect(ok.output.map((o) => o.data).join('')).toMatch(/hello from/);
    expect(ok.output.some((o) => o.stream === 'stderr' && o.data.includes('oops'))).toBe(true);

    const bad = await finished((await start('echo before; exit 3')).id);
    expect(bad).toMatchObject({ status: 'failed', exitCode: 3 });
  });

  it('kills the whole process tree at the deadline', async () => {
    const pids = join(marks, 'timeout.pids');
    const r = await finished(
      (
        await start(`sleep 300 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`, {
          timeoutSeconds: 2,
        })
      ).id,
    );
    expect(r.status).toBe('timed_out');
    const list = (await lines(pids)).map(Number);
    expect(list).toHaveLength(2);
    await waitFor(() => Promise.resolve(list.every((p) => !alive(p))), 8000);
  });

  it('cancels a running run and its process tree', async () => {
    const pids = join(marks, 'cancel.pids');
    const j = await start(`sleep 300 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`);
    await waitFor(async () => (await lines(pids)).length === 2, 10_000);
    await fleet
      .api()
      .post(`/api/jobs/${j.id}/cancel`)
      .set('Authorization', fleet.admin)
      .expect(200);
    const r = await finished(j.id);
    expect(r.status).toBe('cancelled');
    const list = (await lines(pids)).map(Number);
    await waitFor(() => Promise.resolve(list.every((p) => !alive(p))), 8000);
  });

  it('passes parameters literally: quotes, $() and ; run nothing extra', async () => {
    const evil = `it's "quoted" $(touch ${marks}/pwned1) ; touch ${marks}/pwned2 \`touch ${marks}/pwned3\``;
    const script = await fleet
      .api()
      .post('/api/scripts')
      .set('Authorization', fleet.admin)
      .send({
        name: 'Echo a message',
        description: 'prints MSG',
        language: 'bash',
        body: 'printf "%s|%s" "$MSG" "$1"',
        parameters: [{ name: 'MSG', type: 'string', required: true, secret: false }],
        defaultTimeoutSeconds: 60,
      })
      .expect(201);
    const res = await fleet
      .api()
      .post('/api/jobs')
      .set('Authorization', fleet.admin)
      .send({
        script: { id: script.body.id, params: { MSG: evil } },
        target: { deviceIds: [agent.deviceId] },
      })
      .expect(201);
    const r = await finished(res.body.id);
    expect(r.status).toBe('succeeded');
    expect(r.output.map((o) => o.data).join('')).toBe(`${evil}|${evil}`);
    for (const f of ['pwned1', 'pwned2', 'pwned3']) expect(existsSync(join(marks, f))).toBe(false);
  });

  it('masks secret values in the output, even one written in two pieces', async () => {
    const PW = 'pa55-w0rd-from-the-job';
    const TOKEN = 'token-from-the-secret-default';
    const script = await fleet
      .api()
      .post('/api/scripts')
      .set('Authorization', fleet.admin)
      .send({
        name: 'Prints its secrets',
        language: 'bash',
        // The pause makes the agent read, and flush, the first half on its own.
        body: [
          'echo "pw=$PW token=$1 plain=$PLAIN"',
          'printf "split=%s" "${PW:0:7}"; sleep 0.5; printf "%s\\n" "${PW:7}"',
          'echo "err=$TOKEN" >&2',
        ].join('\n'),
        parameters: [
          { name: 'TOKEN', type: 'string', secret: true, default: TOKEN },
          { name: 'PW', type: 'string', secret: true },
          { name: 'PLAIN', type: 'string', secret: false },
        ],
      })
      .expect(201);
    const res = await fleet
      .api()
      .post('/api/jobs')
      .set('Authorization', fleet.admin)
      .send({
        script: { id: script.body.id, params: { PW, PLAIN: 'visible' } },
        target: { deviceIds: [agent.deviceId] },
      })
      .expect(201);
    const r = await finished(res.body.id);
    expect(r.status).toBe('succeeded');
    const stdout = r.output.filter((o) => o.stream === 'stdout').map((o) => o.data);
    const stderr = r.output.filter((o) => o.stream === 'stderr').map((o) => o.data);
    expect(stdout.join('')).toBe('pw=*** token=*** plain=visible\nsplit=***\n');
    expect(stderr.join('')).toBe('err=***\n');
    // The split line went out as at least two chunks: the first was sent before the pause.
    expect(stdout.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(r)).not.toContain(PW.slice(0, 7));
  });

  it('delivers to an offline device when it returns, and never runs an expired run', async () => {
    const other = await fleet.enrollAgent();
    const marker = join(marks, 'offline.marks');
    const expiredMarker = join(marks, 'expired.marks');
    const waiting = await start(
      `echo ran >> ${marker}`,
      { offlineExpirySeconds: 600 },
      other.deviceId,
    );
    const expiring = await start(
      `echo ran >> ${expiredMarker}`,
      { offlineExpirySeconds: 1 },
      other.deviceId,
    );
    await waitFor(async () => (await job(expiring.id)).counts.expired === 1, 5000);
    const proc = fleet.runAgent(other.stateDir);
    expect((await finished(waiting.id)).status).toBe('succeeded');
    expect(await lines(marker)).toEqual(['ran']);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await job(expiring.id)).counts.expired).toBe(1);
    expect(existsSync(expiredMarker)).toBe(false);
    proc.child.kill('SIGTERM');
    await proc.exited;
  });

  it('never re-runs a run whose agent was killed mid-run: it is reported failed after restart', async () => {
    const other = await fleet.enrollAgent();
    let proc = fleet.runAgent(other.stateDir);
    await waitFor(async () => (await device(other.deviceId)).status === 'online', 10_000);
    const marker = join(marks, 'killed.marks');
    const j = await start(
      `echo start >> ${marker}; sleep 3; echo end >> ${marker}`,
      {},
      other.deviceId,
    );
    await waitFor(async () => (await lines(marker)).includes('start'), 10_000);
    proc.child.kill('SIGKILL');
    await proc.exited;
    proc = fleet.runAgent(other.stateDir);
    const r = await finished(j.id);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/not run again|in progress/);
    await new Promise((res) => setTimeout(res, 4000));
    expect((await lines(marker)).filter((l) => l === 'start')).toHaveLength(1);
    proc.child.kill('SIGTERM');
  });

  it('re-sends a result whose acknowledgement was lost, and the server records it once', async () => {
    // A relay between agent and server that drops both sockets right after the first result.
    const other = await fleet.enrollAgent();
    let dropped = 0;
    const relay = await startRelay(fleet.url, {
      fromAgent: ({ type }) => {
        if (type !== 'result' || dropped > 0) return 'forward';
        dropped += 1;
        return 'forward-then-drop';
      },
    });
    const { writeFile } = await import('node:fs/promises');
    const statePath = join(other.stateDir, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { serverUrl: string };
    await writeFile(statePath, JSON.stringify({ ...state, serverUrl: relay.url }), { mode: 0o600 });
    const proc = fleet.runAgent(other.stateDir);
    try {
      await waitFor(async () => (await device(other.deviceId)).status === 'online', 10_000);
      const marker = join(marks, 'ack.marks');
      const r = await finished(
        (await start(`echo ran >> ${marker}`, {}, other.deviceId)).id,
        30_000,
      );
      expect(dropped).toBe(1);
      expect(r.status).toBe('succeeded');
      expect(await lines(marker)).toEqual(['ran']);
    } finally {
      proc.child.kill('SIGTERM');
      relay.close();
    }
  });

  it('refuses a tampered run and a replayed run: nothing extra executes', async () => {
    const other = await fleet.enrollAgent();
    let captured: string | undefined;
    let tamperNext = true;
    const relay = await startRelay(fleet.url, {
      fromServer: ({ type, raw }) => {
        if (type !== 'run') return raw;
        if (tamperNext) {
          // Change what the script does without re-signing: the agent must refuse it.
          tamperNext = false;
          const frame = JSON.parse(raw) as { body: { spec: { script: string } } };
          frame.body.spec.script = frame.body.spec.script.replace('echo ran', 'echo tampered');
          return JSON.stringify(frame);
        }
        captured = raw;
        return raw;
      },
    });
    const statePath = join(other.stateDir, 'state.json');
    const state = JSON.parse(await readFile(statePath, 'utf8')) as { serverUrl: string };
    const { writeFile } = await import('node:fs/promises');
    await writeFile(statePath, JSON.stringify({ ...state, serverUrl: relay.url }), { mode: 0o600 });
    const proc = fleet.runAgent(other.stateDir);
    try {
      await waitFor(async () => (await device(other.deviceId)).status === 'online', 10_000);
      const tamperedMarker = join(marks, 'tampered.marks');
      const refused = await finished(
        (await start(`echo ran >> ${tamperedMarker}`, {}, other.deviceId)).id,
      );
      expect(refused.status).toBe('failed');
      expect(refused.error).toMatch(/refused the run \((bad_signature|bad_hash)\)/);
      expect(existsSync(tamperedMarker)).toBe(false);

      const marker = join(marks, 'replayed.marks');
      const ok = await finished((await start(`echo ran >> ${marker}`, {}, other.deviceId)).id);
      expect(ok.status).toBe('succeeded');
      // The same signed envelope again, after its result was acknowledged.
      expect(captured).toBeDefined();
      relay.toAgent(captured as string);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await lines(marker)).toEqual(['ran']);
      expect((await run(ok.id)).status).toBe('succeeded');
    } finally {
      proc.child.kill('SIGTERM');
      relay.close();
    }
  });
});
