import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  JobResponse,
  LogBundleResponse,
  LogSearchResponse,
  SearchBundlesResponse,
} from '@fleetdesk/api-types';
import { Fleet } from './support/fleet';
import { buildAll, waitFor } from './support/processes';

const AGENTS = 20;
const PATTERN = 'ERROR [0-9]+|WARN disk';

/** Device i's log: 300 stamped lines, ERROR every (i + 2)th, a WARN now and then; the last 4 devices match nothing. */
function logOf(i: number): string {
  const lines: string[] = [];
  for (let j = 1; j <= 300; j++) {
    const at = new Date(Date.UTC(2026, 10, 20, 10, 0, j)).toISOString();
    let what = `INFO request ${j} served`;
    if (i < AGENTS - 4 && j % (i + 2) === 0) what = `ERROR ${j} upstream timed out`;
    else if (i < AGENTS - 4 && j % 97 === 0) what = `WARN disk 91% full`;
    lines.push(`${at} host${i} app[${100 + i}]: ${what}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `grep -n -E` on the file: what the search must return, line numbers and text. */
function grep(pattern: string, file: string): { line: number; text: string }[] {
  let out = '';
  try {
    out = execFileSync('grep', ['-n', '-E', pattern, file], { encoding: 'utf8' });
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
 * Fleet search with 20 real agent processes: each searches its own journald (a journalctl on
 * its PATH printing its own log file) and a file, with the agent's real search code; every
 * device's answer is exactly `grep -n -E` on the same file, context lines included. A device
 * that never connects shows as offline, the ones without a match as no_match. Then the same
 * query over a stored bundle on the server.
 */
describe('fleet log search end to end', () => {
  let fleet: Fleet;
  let work: string;
  const devices: { deviceId: string; file: string }[] = [];
  let offline: string;

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
    work = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-search-')));
    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .send({ allow: [`${work}/**`] })
      .expect(200);
    const enrolled = await Promise.all(
      Array.from({ length: AGENTS + 1 }, () => fleet.enrollAgent()),
    );
    for (const [i, agent] of enrolled.slice(0, AGENTS).entries()) {
      const dir = join(work, `device-${i}`);
      await mkdir(join(dir, 'bin'), { recursive: true });
      const file = join(dir, 'app.log');
      await writeFile(file, logOf(i));
      await writeFile(join(dir, 'bin', 'journalctl'), `#!/bin/sh\ncat "${file}"\n`);
      await chmod(join(dir, 'bin', 'journalctl'), 0o755);
      fleet.agentEnv = { PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}` };
      fleet.runAgent(agent.stateDir);
      devices.push({ deviceId: agent.deviceId, file });
    }
    offline = enrolled[AGENTS].deviceId;
    await waitFor(
      async () => {
        const res = await fleet
          .api()
          .get('/api/devices?pageSize=100')
          .set('Authorization', fleet.admin)
          .expect(200);
        const items = res.body.items as { id: string; status: string }[];
        return devices.every((d) => items.find((x) => x.id === d.deviceId)?.status === 'online');
      },
      120_000,
      500,
    );
  }, 600_000);
  afterAll(async () => {
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('returns exactly the lines grep finds on each of 20 agents; no match and offline distinct', async () => {
    const job = (
      await fleet
        .api()
        .post('/api/log-searches')
        .set('Authorization', fleet.admin)
        .send({
          target: { deviceIds: [...devices.map((d) => d.deviceId), offline] },
          sources: [{ type: 'journald', unit: 'app.service' }],
          query: { mode: 'regex', pattern: PATTERN },
          context: 1,
          maxMatches: 10_000,
        })
        .expect(201)
    ).body as JobResponse;

    const result = await waitFor(
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
    expect(result.counts).toEqual({
      matched: AGENTS - 4,
      no_match: 4,
      offline: 1,
      pending: 0,
      failed: 0,
    });
    expect(result.devices.find((d) => d.deviceId === offline)?.state).toBe('offline');

    let total = 0;
    for (const { deviceId, file } of devices) {
      const got = result.devices.find((d) => d.deviceId === deviceId)!;
      const expected = grep(PATTERN, file);
      const lines = (await readFile(file, 'utf8')).split('\n');
      expect(got.state).toBe(expected.length > 0 ? 'matched' : 'no_match');
      expect(got.matchCount).toBe(expected.length);
      expect(got.files).toHaveLength(1);
      expect(got.files[0].matches.map((m) => ({ line: m.line, text: m.text }))).toEqual(expected);
      // One line of context each side, as in the file (none before line 1 / after the last).
      for (const m of got.files[0].matches) {
        expect(m.before).toEqual(m.line > 1 ? [lines[m.line - 2]] : []);
        expect(m.after).toEqual(m.line < 300 ? [lines[m.line]] : []);
      }
      total += expected.length;
    }
    expect(result.matchCount).toBe(total);
  }, 300_000);

  it('searches a stored bundle on the server with the same answer as grep', async () => {
    const [first] = devices;
    const job = (
      await fleet
        .api()
        .post('/api/log-collections')
        .set('Authorization', fleet.admin)
        .send({
          target: { deviceIds: [first.deviceId] },
          sources: [{ type: 'file', path: first.file }],
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
      .send({ jobId: job.id, query: { mode: 'regex', pattern: PATTERN }, context: 0 })
      .expect(200);
    const body = res.body as SearchBundlesResponse;
    const expected = grep(PATTERN, first.file);
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
      grep('ERROR', first.file).filter((m) => m.line <= 59).length,
    );
  }, 120_000);
});
