import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobResponse, RunResponse } from '@fleetdesk/api-types';
import { type AgentManifest, buildExecutables } from './support/executables';
import { Fleet } from './support/fleet';
import { buildAll, type Proc, spawnCommand, waitFor } from './support/processes';

const PLATFORM = 'linux-x64';
const FILE = `fleetdesk-agent-${PLATFORM}`;
const A = '0.1.0';
const B = '0.2.0';
/** A real build whose start-up exits 1 (see EXIT_AT_START_SUFFIX in apps/agent/src/main.ts). */
const BAD = '0.3.0-exit-at-start';

const sha256 = async (path: string) =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

/**
 * Self-update with the real linux-x64 executables: an agent built as version A, running from
 * a temporary folder with no node on PATH, is offered (1) version B with its bytes changed
 * after signing, (2) a version that exits at start-up, (3) version B. Three SEA builds, in a
 * temporary folder the fleet removes.
 */
describe('agent self-update (linux-x64 executables)', () => {
  let fleet: Fleet;
  /** Builds and the served folder: ~400 MB, removed after the file. */
  let work: string;
  let serveDir: string;
  let emptyPath: string;
  let agentExe: string;
  let stateDir: string;
  let deviceId: string;
  let agent: Proc;
  const builds: Record<string, { dir: string; manifest: AgentManifest }> = {};
  let handedOverPid: number | undefined;

  /** A fixed mtime, so a tampered copy can be given back exactly the one the server saw. */
  const MTIME = 1_700_000_000;

  /** Offers the build of `version` to the fleet (AGENT_BINARIES_DIR). */
  const offer = async (version: string) => {
    const { dir, manifest } = builds[version];
    const entry = manifest.platforms.find((p) => p.platform === PLATFORM);
    if (!entry) throw new Error(`no ${PLATFORM} build of ${version}`);
    const served = join(serveDir, FILE);
    await copyFile(join(dir, 'bin', entry.file), served);
    await utimes(served, MTIME, MTIME);
    await writeFile(
      join(serveDir, 'manifest.json'),
      JSON.stringify({ ...manifest, platforms: [{ ...entry, file: FILE }] }),
    );
  };

  /**
   * Changes one byte of the served file after the server checked it against the manifest,
   * keeping its size and mtime: the server serves it, and only the agent's own check of the
   * signed hash stands between it and the device.
   */
  const tamperServed = async () => {
    await fleet
      .api()
      .get('/api/agent-updates/release')
      .set('Authorization', fleet.admin)
      .expect(200);
    const served = join(serveDir, FILE);
    const bytes = await readFile(served);
    bytes[bytes.length - 100] ^= 0xff;
    await writeFile(served, bytes);
    await utimes(served, MTIME, MTIME);
  };

  const device = async () => {
    const res = await fleet
      .api()
      .get(`/api/devices/${deviceId}`)
      .set('Authorization', fleet.admin)
      .expect(200);
    return res.body as { status: string; agentVersion: string; outdated: boolean };
  };

  /** Starts an update of this device and waits for its run to end. */
  const update = async (): Promise<RunResponse> => {
    const res = await fleet
      .api()
      .post('/api/agent-updates')
      .set('Authorization', fleet.admin)
      .send({ target: { deviceIds: [deviceId] }, trialTimeoutSeconds: 30 })
      .expect(201);
    const job = res.body as JobResponse;
    let run: RunResponse | undefined;
    await waitFor(async () => {
      const runs = await fleet
        .api()
        .get(`/api/jobs/${job.id}/runs`)
        .set('Authorization', fleet.admin)
        .expect(200);
      run = (runs.body as { items: RunResponse[] }).items[0];
      return ['succeeded', 'failed', 'lost', 'timed_out'].includes(run?.status ?? '');
    }, 120_000);
    return run as RunResponse;
  };

  beforeAll(async () => {
    buildAll();
    work = await mkdtemp(join(tmpdir(), 'fleetdesk-update-'));
    for (const version of [A, B, BAD]) {
      const dir = join(work, version);
      builds[version] = {
        dir,
        manifest: buildExecutables(
          PLATFORM,
          { FLEETDESK_AGENT_VERSION: version, FLEETDESK_AGENT_OUT_DIR: dir },
          join(dir, 'bin'),
        ),
      };
    }
    serveDir = join(work, 'serve');
    await mkdir(serveDir);
    await offer(B);
    fleet = await Fleet.start({ AGENT_BINARIES_DIR: serveDir });

    emptyPath = await fleet.tempDir('fleetdesk-empty-path-');
    const home = await fleet.tempDir('fleetdesk-agent-home-');
    agentExe = join(home, 'fleetdesk-agent');
    await copyFile(join(builds[A].dir, 'bin', FILE), agentExe);
    stateDir = await fleet.tempDir();
    const enroll = spawnCommand(
      agentExe,
      ['enroll', '--server', fleet.url, '--token', await fleet.token(), '--state-dir', stateDir],
      { PATH: emptyPath },
    );
    expect(await enroll.exited).toBe(0);
    deviceId = (
      JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as {
        deviceId: string;
      }
    ).deviceId;
    agent = spawnCommand(agentExe, ['run', '--state-dir', stateDir], { PATH: emptyPath });
    await waitFor(async () => (await device()).status === 'online', 20_000);
  }, 600_000);

  afterAll(async () => {
    if (handedOverPid) {
      try {
        process.kill(handedOverPid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    agent?.child.kill('SIGKILL');
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('shows the agent as outdated while the server offers a newer version', async () => {
    const d = await device();
    expect(d.agentVersion).toBe(A);
    expect(d.outdated).toBe(true);
  });

  it('refuses a binary whose bytes changed after signing, and stays on A', async () => {
    await tamperServed();
    const run = await update();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/does not match its signature.*refused, nothing replaced/);
    expect(await sha256(agentExe)).toBe(await sha256(join(builds[A].dir, 'bin', FILE)));
    await waitFor(async () => (await device()).status === 'online', 20_000);
    expect((await device()).agentVersion).toBe(A);
    expect(agent.child.exitCode).toBeNull();
  }, 180_000);

  it('rolls back to A when the new version exits at start-up, and the run says so', async () => {
    await offer(BAD);
    const run = await update();
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/new version exited at start-up with code 1; rolled back/);
    expect(await sha256(agentExe)).toBe(await sha256(join(builds[A].dir, 'bin', FILE)));
    await waitFor(async () => (await device()).status === 'online', 30_000);
    expect((await device()).agentVersion).toBe(A);
    expect(agent.child.exitCode).toBeNull();
  }, 180_000);

  it('updates to B: replaces itself, reconnects as B, and the run ends succeeded', async () => {
    await offer(B);
    const run = await update();
    expect({ status: run.status, error: run.error }).toEqual({ status: 'succeeded', error: null });
    expect(await agent.exited).toBe(0);
    handedOverPid = Number(/started the new version as pid (\d+)/.exec(agent.output())?.[1]);
    expect(handedOverPid).toBeGreaterThan(0);
    const d = await device();
    expect({ status: d.status, agentVersion: d.agentVersion, outdated: d.outdated }).toEqual({
      status: 'online',
      agentVersion: B,
      outdated: false,
    });
    expect(await sha256(agentExe)).toBe(await sha256(join(builds[B].dir, 'bin', FILE)));
    expect(await sha256(`${agentExe}.previous`)).toBe(
      await sha256(join(builds[A].dir, 'bin', FILE)),
    );
  }, 180_000);
});
