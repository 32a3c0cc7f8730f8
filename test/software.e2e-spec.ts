import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  JobResponse,
  RunDetailResponse,
  RunResponse,
  SoftwareInstallerResponse,
  SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import { Fleet } from './support/fleet';
import { buildAll, waitFor } from './support/processes';

/**
 * Software deployment with the real agent and the real apt of this (Debian) machine: the
 * small `hello` package is installed at an older version, upgraded to a chosen version (and
 * refused the way back), upgraded to the newest, removed; an uploaded .deb is installed, and
 * the same installer with its bytes changed after upload is refused.
 *
 * The agent runs with its own APT_CONFIG: the machine's Debian sources plus a local
 * repository holding `hello` 2.10-2 and 2.10-2+fd1 (the real package, re-versioned so there
 * is something to upgrade from and to, below Debian's own), and a pin that holds every other
 * package at its installed version. So
 * "apply updates" finds none pending and this shared machine is never upgraded; the test
 * checks that before it asks.
 */
const OLD = '2.10-2';
/** Between OLD and any Debian release's hello (2.10-3 and later). */
const MID = '2.10-2+fd1';

function aptProblem(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not running as root (apt needs it)';
  if (spawnSync('apt-get', ['--version']).status !== 0) return 'apt-get is not installed';
  if (spawnSync('dpkg-scanpackages', ['--version']).status !== 0)
    return 'dpkg-scanpackages (dpkg-dev) is not installed';
  if (spawnSync('apt-cache', ['show', 'hello']).status !== 0)
    return 'the Debian archive does not offer hello here';
  return null;
}

const problem = aptProblem();
if (problem) {
  console.warn(`software.e2e-spec skipped: apt is not usable here (${problem})`);
}
const describeApt = problem ? describe.skip : describe;

const dpkgVersion = (env: NodeJS.ProcessEnv, name: string): string | null => {
  const r = spawnSync('dpkg-query', ['-W', '-f', '${Version}\t${db:Status-Abbrev}', name], { env });
  const [version, status] = r.stdout.toString().split('\t');
  return r.status === 0 && status?.startsWith('ii') ? version : null;
};

describeApt('software deployment end to end (real agent, real apt)', () => {
  let fleet: Fleet;
  let work: string;
  let oldDeb: string;
  let aptEnv: NodeJS.ProcessEnv;
  let agent: { stateDir: string; deviceId: string };

  const apt = (args: string[]) =>
    execFileSync('apt-get', args, { env: aptEnv, cwd: work, stdio: 'pipe', timeout: 600_000 });

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'fleetdesk-apt-'));
    const repo = join(work, 'repo');
    const lists = join(work, 'lists');
    for (const d of [
      repo,
      join(work, 'sources.list.d'),
      join(work, 'preferences.d'),
      join(lists, 'partial'),
    ])
      await mkdir(d, { recursive: true });
    for (const f of await readdir('/etc/apt/sources.list.d'))
      if (f.endsWith('.sources') || f.endsWith('.list'))
        await copyFile(join('/etc/apt/sources.list.d', f), join(work, 'sources.list.d', f));
    await writeFile(
      join(work, 'sources.list.d', 'local.list'),
      `deb [trusted=yes] file:${repo} ./\n`,
    );
    // Start from the machine's lists so the refresh only checks them.
    for (const f of await readdir('/var/lib/apt/lists').catch(() => []))
      if (f.includes('_dists_'))
        await copyFile(join('/var/lib/apt/lists', f), join(lists, f)).catch(() => undefined);
    await writeFile(
      join(work, 'preferences'),
      [
        'Package: *',
        'Pin: release o=Debian',
        'Pin-Priority: -1',
        '',
        'Package: hello',
        'Pin: release o=Debian',
        'Pin-Priority: 500',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(work, 'apt.conf'),
      [
        'Dir::Etc::SourceList "/dev/null";',
        `Dir::Etc::SourceParts "${join(work, 'sources.list.d')}";`,
        `Dir::Etc::Preferences "${join(work, 'preferences')}";`,
        `Dir::Etc::PreferencesParts "${join(work, 'preferences.d')}";`,
        `Dir::State::Lists "${lists}";`,
        'APT::Sandbox::User "root";',
        '',
      ].join('\n'),
    );
    aptEnv = {
      ...process.env,
      APT_CONFIG: join(work, 'apt.conf'),
      DEBIAN_FRONTEND: 'noninteractive',
    };

    // hello at two older versions: the real package with its version field changed.
    await writeFile(join(repo, 'Packages'), '');
    apt(['-q', 'update']);
    if (dpkgVersion(aptEnv, 'hello')) apt(['-y', 'remove', 'hello']);
    execFileSync('apt-get', ['download', 'hello'], { env: aptEnv, cwd: work });
    const real = (await readdir(work)).find((f) => /^hello_.*\.deb$/.test(f))!;
    const tree = join(work, 'hello-old');
    execFileSync('dpkg-deb', ['-R', join(work, real), tree]);
    const control = join(tree, 'DEBIAN', 'control');
    const original = await readFile(control, 'utf8');
    for (const version of [OLD, MID]) {
      await writeFile(control, original.replace(/^Version: .*$/m, `Version: ${version}`));
      execFileSync('dpkg-deb', ['-b', tree, join(repo, `hello_${version}_amd64.deb`)], {
        stdio: 'pipe',
      });
    }
    oldDeb = join(repo, `hello_${OLD}_amd64.deb`);
    await writeFile(
      join(repo, 'Packages'),
      // --multiversion: both hello versions, not only the newest.
      execFileSync('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    );
    apt(['-q', 'update']);

    buildAll();
    fleet = await Fleet.start();
    fleet.agentEnv = { APT_CONFIG: join(work, 'apt.conf') };
    agent = await fleet.enrollAgent();
    fleet.runAgent(agent.stateDir);
    await waitFor(async () => (await device()).status === 'online', 20_000);
  }, 900_000);

  afterAll(async () => {
    await fleet?.stop();
    // Leave the machine as it was found; the work folder goes even if apt cannot run.
    try {
      if (aptEnv && dpkgVersion(aptEnv, 'hello')) apt(['-y', 'remove', 'hello']);
    } finally {
      if (work) await rm(work, { recursive: true, force: true });
    }
  }, 300_000);

  const device = async () =>
    (
      await fleet
        .api()
        .get(`/api/devices/${agent.deviceId}`)
        .set('Authorization', fleet.admin)
        .expect(200)
    ).body as { status: string };

  const inventoryHello = async (): Promise<string | null> => {
    const res = await fleet
      .api()
      .get(`/api/devices/${agent.deviceId}/software?q=hello`)
      .set('Authorization', fleet.admin)
      .expect(200);
    const item = (res.body.items as { name: string; version: string }[]).find(
      (i) => i.name === 'hello',
    );
    return item?.version ?? null;
  };

  /** Starts the deployment, waits for its one run to end, and returns it with its output. */
  async function deploy(software: Record<string, unknown>): Promise<RunDetailResponse> {
    const job = (
      await fleet
        .api()
        .post('/api/jobs')
        .set('Authorization', fleet.admin)
        .send({ target: { deviceIds: [agent.deviceId] }, software })
        .expect(201)
    ).body as JobResponse;
    let run: RunResponse | undefined;
    await waitFor(
      async () => {
        const runs = (
          await fleet
            .api()
            .get(`/api/jobs/${job.id}/runs`)
            .set('Authorization', fleet.admin)
            .expect(200)
        ).body.items as RunResponse[];
        run = runs[0];
        return run !== undefined && !['pending', 'dispatched', 'running'].includes(run.status);
      },
      600_000,
      500,
    );
    return (
      await fleet.api().get(`/api/runs/${run!.id}`).set('Authorization', fleet.admin).expect(200)
    ).body as RunDetailResponse;
  }
  const output = (run: RunDetailResponse) => run.output.map((c) => c.data).join('');

  it('installs hello at a chosen version and the inventory shows it', async () => {
    const run = await deploy({
      operation: 'install',
      package: { manager: 'apt', name: 'hello' },
      version: OLD,
    });
    expect(run).toMatchObject({
      status: 'succeeded',
      software: {
        operation: 'install',
        manager: 'apt',
        package: 'hello',
        versionBefore: null,
        versionAfter: OLD,
      },
    });
    expect(typeof run.software?.rebootRequired).toBe('boolean');
    expect(dpkgVersion(aptEnv, 'hello')).toBe(OLD);
    await waitFor(async () => (await inventoryHello()) === OLD, 60_000, 500);
  }, 900_000);

  it('upgrades it to a chosen version, and refuses to "upgrade" back to an older one', async () => {
    const run = await deploy({
      operation: 'upgrade',
      package: { manager: 'apt', name: 'hello' },
      version: MID,
    });
    expect(run).toMatchObject({
      status: 'succeeded',
      software: { operation: 'upgrade', manager: 'apt', versionBefore: OLD, versionAfter: MID },
    });
    expect(output(run)).toContain(`install --only-upgrade -- hello=${MID}`);
    expect(dpkgVersion(aptEnv, 'hello')).toBe(MID);

    const back = await deploy({
      operation: 'upgrade',
      package: { manager: 'apt', name: 'hello' },
      version: OLD,
    });
    expect(back).toMatchObject({
      status: 'failed',
      error: `refused, nothing was run: hello ${MID} is installed and ${OLD} is older; an upgrade does not go to an older version`,
      software: { versionBefore: MID, versionAfter: MID },
    });
    expect(output(back)).not.toMatch(/ran apt-get/);
    expect(dpkgVersion(aptEnv, 'hello')).toBe(MID);
  }, 900_000);

  it('upgrades it through a catalogue title, then uninstalls it, and the inventory follows', async () => {
    const title = (
      await fleet
        .api()
        .post('/api/software/titles')
        .set('Authorization', fleet.admin)
        .send({
          name: 'GNU Hello',
          packages: [
            { manager: 'apt', name: 'hello' },
            { manager: 'dnf', name: 'hello' },
          ],
        })
        .expect(201)
    ).body as SoftwareTitleResponse;
    const upgraded = await deploy({ operation: 'upgrade', titleId: title.id });
    expect(upgraded.status).toBe('succeeded');
    expect(upgraded.software).toMatchObject({ manager: 'apt', versionBefore: MID });
    const newVersion = upgraded.software!.versionAfter!;
    expect(newVersion).not.toBe(MID);
    expect(dpkgVersion(aptEnv, 'hello')).toBe(newVersion);
    await waitFor(async () => (await inventoryHello()) === newVersion, 60_000, 500);

    const removed = await deploy({ operation: 'uninstall', titleId: title.id });
    expect(removed).toMatchObject({
      status: 'succeeded',
      software: { versionBefore: newVersion, versionAfter: null, nothingToDo: false },
    });
    expect(dpkgVersion(aptEnv, 'hello')).toBeNull();
    await waitFor(async () => (await inventoryHello()) === null, 60_000, 500);
  }, 900_000);

  it('installs an uploaded .deb after checking its hash, and refuses it once its bytes changed', async () => {
    const bytes = await readFile(oldDeb);
    const installer = (
      await fleet
        .api()
        .post(`/api/software/installers?fileName=hello_${OLD}_amd64.deb`)
        .set('Authorization', fleet.admin)
        .set('content-type', 'application/octet-stream')
        .send(bytes)
        .expect(201)
    ).body as SoftwareInstallerResponse;
    expect(installer.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const installed = await deploy({ operation: 'install', installerId: installer.id });
    expect(installed).toMatchObject({
      status: 'succeeded',
      software: { operation: 'install', installerSha256: installer.sha256 },
    });
    expect(output(installed)).toMatch(/verified SHA-256/);
    expect(dpkgVersion(aptEnv, 'hello')).toBe(OLD);
    await deploy({ operation: 'uninstall', package: { manager: 'apt', name: 'hello' } });
    expect(dpkgVersion(aptEnv, 'hello')).toBeNull();

    // The stored bytes change after upload: same length, one byte different.
    const blob = join(fleet.db.dataDir, 'software', 'blobs', installer.sha256);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 1] ^= 0xff;
    await writeFile(blob, tampered);
    const refused = await deploy({ operation: 'install', installerId: installer.id });
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/do not match the signed hash.*nothing was run/);
    expect(output(refused)).not.toMatch(/ran apt-get/);
    expect(dpkgVersion(aptEnv, 'hello')).toBeNull();
  }, 900_000);

  it('applies updates with none pending: succeeded, "nothing to do"', async () => {
    // Never upgrade the shared machine: with this config apt must see nothing to upgrade.
    const pending = execFileSync('apt', ['list', '--upgradable'], {
      env: aptEnv,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .split('\n')
      .filter((l) => l.includes('upgradable from'));
    if (pending.length > 0)
      throw new Error(`the pin let updates through; not applying them: ${pending.join('; ')}`);
    const run = await deploy({ operation: 'apply_updates', securityOnly: false });
    expect(run).toMatchObject({
      status: 'succeeded',
      software: {
        operation: 'apply_updates',
        manager: 'apt',
        nothingToDo: true,
        pendingUpdates: 0,
      },
    });
    expect(output(run)).toMatch(/^nothing to do$/m);
  }, 900_000);
});
