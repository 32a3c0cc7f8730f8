import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  JobResponse,
  LogBundleResponse,
  LogSearchQuery,
  LogSearchResponse,
  SearchBundlesResponse,
} from '@fleetdesk/api-types';
import { Fleet } from './support/fleet';
import { buildAll, type Proc, waitFor } from './support/processes';

const AGENTS = 20;
/** The last devices' logs hold none of the lines the searches look for. */
const QUIET = 4;

/**
 * Device i's two logs: stamped lines, an ERROR every (i + 2)th line, a WARN now and then, a
 * line with regex metacharacters in it, mixed-case "Timed Out"s; the QUIET devices have none.
 */
function logsOf(i: number): { app: string; worker: string } {
  const app: string[] = [];
  const worker: string[] = [];
  const loud = i < AGENTS - QUIET;
  for (let j = 1; j <= 300; j++) {
    const at = new Date(Date.UTC(2026, 10, 20, 10, 0, j)).toISOString();
    let what = `INFO request ${j} served`;
    if (loud && j % (i + 2) === 0) what = `ERROR ${j} upstream timed out`;
    else if (loud && j % 97 === 0) what = `WARN disk 91% full`;
    else if (loud && j % 41 === i % 41) what = `INFO upstream Timed OUT once, retried`;
    app.push(`${at} host${i} app[${100 + i}]: ${what}`);
    let job = `job ${j} done`;
    if (loud && j % (i + 5) === 0) job = `job ${j} cache[1].hit (a+b)*`;
    else if (loud && j % 53 === 0) job = `job ${j} ERROR 7 TIMED OUT`;
    worker.push(`${at} host${i} worker: ${job}`);
  }
  return { app: `${app.join('\n')}\n`, worker: `${worker.join('\n')}\n` };
}

/** The searches, each with the grep that must print the same lines: -E for regex, -F for substring. */
const SEARCHES: { query: LogSearchQuery; grep: string[]; context: number }[] = [
  { query: { mode: 'regex', pattern: 'ERROR [0-9]+|WARN disk' }, grep: ['-E'], context: 1 },
  {
    query: { mode: 'substring', pattern: 'timed out', ignoreCase: true },
    grep: ['-F', '-i'],
    context: 0,
  },
  // Regex metacharacters taken literally by a substring search, as by grep -F.
  { query: { mode: 'substring', pattern: 'cache[1].hit (a+b)*' }, grep: ['-F'], context: 0 },
];

/** `grep -n` on the file, spawned for real: what the search must return, line numbers and text. */
function grep(flags: string[], pattern: string, file: string): { line: number; text: string }[] {
  let out = '';
  try {
    out = execFileSync('grep', ['-n', ...flags, '--', pattern, file], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
    });
  } catch (err) {
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const colon = l.indexOf(':');
      return { line: Number(l.slice(0, colon)), text: l.slice(colon + 1) };
    });
}

/**
 * Fleet search with 20 real agent processes against one server. Every agent searches its own
 * files with the agent's real search code: a file glob under `/proc/self/cwd` (each agent
 * runs in its own folder, so the one job names a different file on each device, resolved by
 * the agent's realpath and judged by the path lists) and journald (a `journalctl` on its own
 * PATH printing its own log). Each device's lines are exactly what `grep -n` prints on the
 * same files; a device without a match is `no_match`, one that never connected `offline`.
 */
describe('fleet log search end to end', () => {
  let fleet: Fleet;
  let work: string;
  const devices: { deviceId: string; app: string; worker: string; proc: Proc }[] = [];
  let offline: string;

  beforeAll(async () => {
    buildAll();
    // Not the tests' usual 1 s heartbeat: a device silent for 2.5 heartbeats is cut off, and 20
    // agents starting at once on two shared cores take longer than 2.5 s to send their first
    // frame after auth (measured at load ~20: every agent was closed after 2.6-3.5 s without
    // a frame, the server's check on time; reconnects then backed off and handshakes timed
    // out behind the inventories). 10 s (offline after 25 s) is a setting a fleet may use.
    fleet = await Fleet.start({ AGENT_HEARTBEAT_INTERVAL_MS: '10000' });
    work = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-search-')));
    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .send({ allow: [`${work}/**`] })
      .expect(200);
    const token = await fleet.token(AGENTS + 1);
    const enrolled = await Promise.all(
      Array.from({ length: AGENTS + 1 }, () => fleet.enrollAgent(token)),
    );
    for (const [i, agent] of enrolled.slice(0, AGENTS).entries()) {
      const dir = join(work, `device-${i}`);
      await mkdir(join(dir, 'logs'), { recursive: true });
      await mkdir(join(dir, 'bin'));
      const logs = logsOf(i);
      const app = join(dir, 'logs', 'app.log');
      const worker = join(dir, 'logs', 'worker.log');
      await writeFile(app, logs.app);
      await writeFile(worker, logs.worker);
      await writeFile(join(dir, 'bin', 'journalctl'), `#!/bin/sh\ncat "${app}"\n`);
      await chmod(join(dir, 'bin', 'journalctl'), 0o755);
      const proc = fleet.runAgent(agent.stateDir, [], {
        cwd: dir,
        env: { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` },
      });
      devices.push({ deviceId: agent.deviceId, app, worker, proc });
    }
    offline = enrolled[AGENTS].deviceId;
    const notOnline = async () => {
      const res = await fleet
        .api()
        .get('/api/devices?pageSize=100')
        .set('Authorization', fleet.admin)
        .expect(200);
      const items = res.body.items as { id: string; status: string }[];
      return devices.filter((d) => items.find((x) => x.id === d.deviceId)?.status !== 'online');
    };
    try {
      await waitFor(async () => (await notOnline()).length === 0, 120_000, 500);
    } catch (err) {
      // Say which agents and why, instead of only that a condition was not met.
      const late = await notOnline();
      const tails = late.map((d) => `--- ${d.deviceId}\n${d.proc.output().slice(-1500)}`);
      const server = fleet.server?.output().slice(-3000) ?? '';
      throw new Error(
        `${late.length} agent(s) not online: ${String(err)}\n${tails.join('\n')}\n--- server\n${server}`,
      );
    }
  }, 600_000);
  afterAll(async () => {
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function search(s: (typeof SEARCHES)[number]): Promise<LogSearchResponse> {
    const job = (
      await fleet
        .api()
        .post('/api/log-searches')
        .set('Authorization', fleet.admin)
        .send({
          target: { deviceIds: [...devices.map((d) => d.deviceId), offline] },
          sources: [
            { type: 'file', path: '/proc/self/cwd/logs/*.log' },
            { type: 'journald', unit: 'app.service' },
          ],
          query: s.query,
          context: s.context,
          maxMatches: 10_000,
        })
        .expect(201)
    ).body as JobResponse;
    return waitFor(
      async () => {
        const res = await fleet
          .api()
          .get(`/api/log-searches/${job.id}`)
          .set('Authorization', fleet.admin)
          .expect(200);
        const body = res.body as LogSearchResponse;
        const answered = body.counts.matched + body.counts.no_match + body.counts.failed;
        return answered === AGENTS && body;
      },
      180_000,
      500,
    );
  }

  it.each(SEARCHES.map((s) => [`${s.query.mode} ${JSON.stringify(s.query.pattern)}`, s] as const))(
    'returns exactly the lines grep prints on each of 20 agents (%s); no match and offline distinct',
    async (_name, s) => {
      const result = await search(s);
      expect(result.devices.find((d) => d.deviceId === offline)?.state).toBe('offline');
      let total = 0;
      let quiet = 0;
      for (const { deviceId, app, worker } of devices) {
        const got = result.devices.find((d) => d.deviceId === deviceId)!;
        expect(got.refused).toEqual([]);
        // Per file, in the order the agent searched them: the glob's files sorted, then journald.
        const files = [
          { path: '/proc/self/cwd/logs/app.log', real: app },
          { path: '/proc/self/cwd/logs/worker.log', real: worker },
          { path: 'journald:app.service', real: app },
        ];
        expect(got.files.map((f) => f.path)).toEqual(files.map((f) => f.path));
        let device = 0;
        for (const [n, file] of files.entries()) {
          const expected = grep(s.grep, s.query.pattern, file.real);
          const matches = got.files[n].matches;
          expect({
            device: deviceId,
            file: file.path,
            lines: matches.map((m) => ({ line: m.line, text: m.text })),
          }).toEqual({ device: deviceId, file: file.path, lines: expected });
          expect(got.files[n].matchCount).toBe(expected.length);
          if (s.context > 0) {
            const lines = (await readFile(file.real, 'utf8')).split('\n');
            for (const m of matches) {
              expect(m.before).toEqual(m.line > 1 ? [lines[m.line - 2]] : []);
              expect(m.after).toEqual(m.line < 300 ? [lines[m.line]] : []);
            }
          }
          device += expected.length;
        }
        expect(got.state).toBe(device > 0 ? 'matched' : 'no_match');
        expect(got.matchCount).toBe(device);
        if (device === 0) quiet += 1;
        total += device;
      }
      expect(quiet).toBeGreaterThanOrEqual(QUIET);
      expect(result.counts).toEqual({
        matched: AGENTS - quiet,
        no_match: quiet,
        offline: 1,
        pending: 0,
        failed: 0,
      });
      expect(result.matchCount).toBe(total);
    },
    300_000,
  );

  it('searches a stored bundle on the server with the same answer as grep', async () => {
    const [first] = devices;
    const [regex] = SEARCHES;
    const job = (
      await fleet
        .api()
        .post('/api/log-collections')
        .set('Authorization', fleet.admin)
        .send({
          target: { deviceIds: [first.deviceId] },
          sources: [{ type: 'file', path: first.app }],
        })
        .expect(201)
    ).body as JobResponse;
    await waitFor(
      async () => {
        const res = await fleet
          .api()
          .get(`/api/log-bundles?jobId=${job.id}`)
          .set('Authorization', fleet.admin)
          .expect(200);
        return (res.body as LogBundleResponse[])[0]?.status === 'complete';
      },
      60_000,
      200,
    );
    const res = await fleet
      .api()
      .post('/api/log-searches/bundles')
      .set('Authorization', fleet.admin)
      .send({ jobId: job.id, query: regex.query, context: 0 })
      .expect(200);
    const body = res.body as SearchBundlesResponse;
    const expected = grep(regex.grep, regex.query.pattern, first.app);
    expect(body.matchCount).toBe(expected.length);
    expect(body.bundles[0].files[0].matches.map((m) => ({ line: m.line, text: m.text }))).toEqual(
      expected,
    );
    // A time window: only the lines stamped in the first minute (seconds 1..59).
    const windowed = await fleet
      .api()
      .post('/api/log-searches/bundles')
      .set('Authorization', fleet.admin)
      .send({
        jobId: job.id,
        query: { mode: 'substring', pattern: 'ERROR' },
        until: '2026-11-20T10:00:59.000Z',
        context: 0,
      })
      .expect(200);
    expect((windowed.body as SearchBundlesResponse).matchCount).toBe(
      grep(['-F'], 'ERROR', first.app).filter((m) => m.line <= 59).length,
    );
  }, 120_000);
});
