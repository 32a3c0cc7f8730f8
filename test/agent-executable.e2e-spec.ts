import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AGENT_BIN_DIR, type AgentManifest, buildExecutables } from './support/executables';
import { Fleet } from './support/fleet';
import { buildAll, spawnCommand, waitFor } from './support/processes';

/**
 * The linux-x64 single-file executable, run the way a device runs it: no node anywhere on
 * PATH (an empty folder), against a real server.
 */
describe('agent single-file executable (linux-x64)', () => {
  let fleet: Fleet;
  let manifest: AgentManifest;
  let exe: string;
  let emptyPath: string;

  beforeAll(async () => {
    buildAll();
    manifest = buildExecutables('linux-x64');
    exe = join(AGENT_BIN_DIR, 'fleetdesk-agent-linux-x64');
    fleet = await Fleet.start();
    emptyPath = await fleet.tempDir('fleetdesk-empty-path-');
  }, 300_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  const run = (args: string[]) => spawnCommand(exe, args, { PATH: emptyPath });

  it('is listed in the manifest and prints its version with no node on PATH', async () => {
    expect(manifest.platforms.map((p) => p.platform)).toContain('linux-x64');
    expect(manifest.node['linux-x64']).toMatch(/^24\./);
    const proc = run(['--version']);
    expect(await proc.exited).toBe(0);
    expect(proc.stdout().trim()).toBe(manifest.version);
  });

  it('enrolls with a pinned server key, comes online and reports its version', async () => {
    const created = await fleet
      .api()
      .post('/api/enrollment-tokens')
      .set('Authorization', fleet.admin)
      .send({ name: 'sea', maxUses: 1 })
      .expect(201);
    const { token, serverKeySha256 } = created.body as { token: string; serverKeySha256: string };
    const stateDir = await fleet.tempDir();
    const enroll = run([
      'enroll',
      '--server',
      fleet.url,
      '--token',
      token,
      '--server-key-sha256',
      serverKeySha256,
      '--state-dir',
      stateDir,
    ]);
    expect(await enroll.exited).toBe(0);

    const agent = run(['run', '--state-dir', stateDir]);
    try {
      const device = async () => {
        const res = await fleet
          .api()
          .get('/api/devices')
          .set('Authorization', fleet.admin)
          .expect(200);
        return (res.body as { items: { status: string; agentVersion: string }[] }).items[0];
      };
      await waitFor(async () => (await device())?.status === 'online', 15_000);
      expect((await device()).agentVersion).toBe(manifest.version);
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
      await rm(stateDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('installs its service as the executable itself, not node and a bundle', async () => {
    const stateDir = await fleet.tempDir();
    const proc = run(['install-service', '--dry-run', '--state-dir', stateDir]);
    expect(await proc.exited).toBe(0);
    expect(proc.stdout()).toMatch(
      new RegExp(`^ExecStart=${exe.replace(/[/.]/g, '\\$&')} run --state-dir `, 'm'),
    );
  });
});
