import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { copyFile, mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { oneLiners } from '../apps/console/src/features/enrollment/commands';
import {
  AGENT_BIN_DIR,
  type AgentManifest,
  buildExecutables,
  pathWithout,
} from './support/executables';
import { Fleet } from './support/fleet';
import { buildAll, spawnCommand, waitFor } from './support/processes';

const EXE = 'fleetdesk-agent-linux-x64';

/**
 * The one-line install as a technician runs it: `curl -fsSL <server>/install.sh | sh -s -- …`
 * against a real server, with no node on PATH, into a temporary prefix with --no-service;
 * then the installed executable is started and must come online and run a job.
 */
describe('one-line install (install.sh)', () => {
  let fleet: Fleet;
  let manifest: AgentManifest;
  let binDir: string;
  let path: string;
  let fingerprint: string;

  beforeAll(async () => {
    buildAll();
    manifest = buildExecutables('linux-x64');
    const entry = manifest.platforms.find((p) => p.platform === 'linux-x64');
    if (!entry) throw new Error('no linux-x64 executable was built');
    // The server's own folder, so this file can change it without touching the build.
    binDir = await mkdtemp(join(tmpdir(), 'fleetdesk-install-bin-'));
    await copyFile(join(AGENT_BIN_DIR, EXE), join(binDir, EXE));
    await writeFile(
      join(binDir, 'manifest.json'),
      JSON.stringify({ ...manifest, platforms: [entry] }),
    );
    fleet = await Fleet.start({ AGENT_BINARIES_DIR: binDir });
    path = pathWithout([
      'sh',
      'dash',
      'bash',
      'curl',
      'sha256sum',
      'uname',
      'id',
      'mkdir',
      'mktemp',
      'rm',
      'cp',
      'mv',
      'chmod',
      'cut',
      'tr',
      'sed',
      'tail',
      'head',
      'dirname',
      'cat',
      'hostname',
    ]);
    fingerprint = (await newToken()).serverKeySha256;
  }, 300_000);
  afterAll(async () => {
    await fleet?.stop();
    for (const dir of [path, binDir]) if (dir) await rm(dir, { recursive: true, force: true });
  });

  const tempDir = () => fleet.tempDir('fleetdesk-install-');

  async function newToken(body: Record<string, unknown> = {}) {
    const res = await fleet
      .api()
      .post('/api/enrollment-tokens')
      .set('Authorization', fleet.admin)
      .send({ name: 'install', maxUses: 10, ...body })
      .expect(201);
    return res.body as { id: string; token: string; serverKeySha256: string };
  }
  const uses = async (id: string) => {
    const res = await fleet.api().get('/api/enrollment-tokens').set('Authorization', fleet.admin);
    return (res.body as { id: string; uses: number }[]).find((t) => t.id === id)?.uses;
  };
  const deviceCount = async () =>
    (await fleet.api().get('/api/devices').set('Authorization', fleet.admin).expect(200)).body
      .total as number;

  /** `curl -fsSL <server>/install.sh | SHELL -s -- ARGS`, with only `path` on PATH. */
  async function install(args: string[], shell = 'sh', script?: string) {
    const pipeline = script
      ? `printf '%s' "$SCRIPT" | ${shell} -s -- "$@"`
      : `curl -fsSL "$URL/install.sh" | ${shell} -s -- "$@"`;
    const proc = spawnCommand(join(path, 'sh'), ['-c', pipeline, 'install', ...args], {
      PATH: path,
      URL: fleet.url,
      ...(script ? { SCRIPT: script } : {}),
    });
    const code = await proc.exited;
    return { code, out: proc.output() };
  }

  const sha256 = async (file: string) =>
    createHash('sha256')
      .update(await readFile(file))
      .digest('hex');

  it('has no node on the PATH the installer runs with', async () => {
    const proc = spawnCommand(join(path, 'sh'), ['-c', 'command -v node'], { PATH: path });
    expect(await proc.exited).not.toBe(0);
  });

  it('serves the script with the public facts filled in', async () => {
    const res = await fleet.api().get('/install.sh').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toContain(`FLEETDESK_SERVER='${fleet.url}'`);
    expect(res.text).toContain(`FLEETDESK_VERSION='${manifest.version}'`);
    expect(res.text).toContain(`FLEETDESK_SERVER_KEY_SHA256='${fingerprint}'`);
    const linux = manifest.platforms.find((p) => p.platform === 'linux-x64')!;
    expect(res.text).toContain(`SHA256_LINUX_X64='${linux.sha256}'`);
    // This server offers no arm64 build: the script says so instead of guessing.
    expect(res.text).toContain(`SHA256_LINUX_ARM64=''`);
    expect(res.text).not.toContain('@@');
    const ps1 = await fleet.api().get('/install.ps1').expect(200);
    expect(ps1.text).toContain(`$FleetdeskServer = '${fleet.url}'`);
    expect(ps1.text).toContain(`$Sha256WinX64 = ''`);
    expect(ps1.text).not.toContain('@@');
  });

  it('installs under dash with no node, comes online, runs a job, and a re-run changes nothing', async () => {
    const { id, token } = await newToken();
    const prefix = await tempDir();
    // The console's own one-liner, as a technician copies it: only sudo becomes dash (this
    // test is root already) and the install goes to a temporary prefix with no service.
    const line = oneLiners(fleet.url, token, fingerprint).find((l) => l.platform === 'unix');
    expect(line?.command).toContain('| sudo sh -s -- --token');
    const command = `${line!.command.replace('| sudo sh -s --', '| dash -s --')} --prefix "$PREFIX" --no-service`;
    const proc = spawnCommand(join(path, 'sh'), ['-c', command], { PATH: path, PREFIX: prefix });
    const first = { code: await proc.exited, out: proc.output() };
    expect(first).toEqual({ code: 0, out: expect.stringContaining('enrolled') });
    const bin = join(prefix, 'bin', 'fleetdesk-agent');
    expect(await sha256(bin)).toBe(manifest.platforms[0].sha256);
    const state = JSON.parse(await readFile(join(prefix, 'state', 'state.json'), 'utf8')) as {
      deviceId: string;
    };
    expect(await uses(id)).toBe(1);

    const agent = spawnCommand(bin, ['run', '--state-dir', join(prefix, 'state')], { PATH: path });
    try {
      const device = async () =>
        (
          await fleet
            .api()
            .get(`/api/devices/${state.deviceId}`)
            .set('Authorization', fleet.admin)
            .expect(200)
        ).body as { status: string; agentVersion: string };
      await waitFor(async () => (await device()).status === 'online', 15_000);
      expect((await device()).agentVersion).toBe(manifest.version);

      const job = await fleet
        .api()
        .post('/api/jobs')
        .set('Authorization', fleet.admin)
        .send({
          command: { language: 'bash', body: 'echo "installed on $(hostname)"' },
          target: { deviceIds: [state.deviceId] },
        })
        .expect(201);
      const [run] = await waitFor(async () => {
        const res = await fleet
          .api()
          .get(`/api/jobs/${job.body.id as string}/runs`)
          .set('Authorization', fleet.admin)
          .expect(200);
        const items = res.body.items as { id: string; status: string }[];
        return (
          items.every((r) => !['pending', 'dispatched', 'running'].includes(r.status)) && items
        );
      }, 20_000);
      expect(run.status).toBe('succeeded');
      const detail = await fleet
        .api()
        .get(`/api/runs/${run.id}`)
        .set('Authorization', fleet.admin)
        .expect(200);
      expect((detail.body.output as { data: string }[]).map((o) => o.data).join('')).toMatch(
        /installed on /,
      );
    } finally {
      agent.child.kill('SIGTERM');
      await agent.exited;
    }

    // Again, with plain sh and even without a token: nothing changes.
    const before = await stat(bin);
    const again = await install(['--prefix', prefix, '--no-service']);
    expect(again).toEqual({ code: 0, out: expect.stringContaining('nothing changed') });
    expect((await stat(bin)).mtimeMs).toBe(before.mtimeMs);
    expect(await uses(id)).toBe(1);
    expect(await deviceCount()).toBe(1);

    // --uninstall takes the executable and the state away.
    const gone = await install(['--uninstall', '--prefix', prefix, '--no-service']);
    expect(gone.code).toBe(0);
    expect(existsSync(bin)).toBe(false);
    expect(existsSync(join(prefix, 'state'))).toBe(false);
  }, 120_000);

  it('refuses with one sentence and a distinct exit code: no token, unknown or revoked token, wrong key, unreachable, not root', async () => {
    const prefix = await tempDir();
    const common = ['--prefix', prefix, '--no-service'];
    const devices = await deviceCount();

    const noToken = await install(common);
    expect(noToken.code).toBe(2);
    expect(noToken.out).toMatch(/no enrollment token: pass --token/);

    const bad = await install(['--token', 'fde_nope', ...common]);
    expect(bad.code).toBe(5);
    expect(bad.out).toMatch(/refused the enrollment token: This enrollment token is not valid/);

    const revoked = await newToken();
    await fleet
      .api()
      .delete(`/api/enrollment-tokens/${revoked.id}`)
      .set('Authorization', fleet.admin)
      .expect(200);
    const rev = await install(['--token', revoked.token, ...common]);
    expect(rev.code).toBe(5);
    expect(rev.out).toMatch(/refused the enrollment token: This enrollment token was revoked/);

    const { id, token } = await newToken();
    const wrongKey = await install([
      '--token',
      token,
      '--server-key-sha256',
      '0'.repeat(64),
      ...common,
    ]);
    expect(wrongKey.code).toBe(7);
    expect(wrongKey.out).toMatch(
      /has key fingerprint [0-9a-f]{64}, not 0{64}; nothing was installed/,
    );
    expect(await uses(id)).toBe(0);

    // The script as served, pointed at a port nothing listens on.
    const served = (await fleet.api().get('/install.sh').expect(200)).text;
    const elsewhere = served.replace(fleet.url, 'http://127.0.0.1:9');
    const down = await install(['--token', token, ...common], 'sh', elsewhere);
    expect(down.code).toBe(4);
    expect(down.out).toMatch(/cannot reach the server at http:\/\/127\.0\.0\.1:9/);

    // Not root (as nobody): refused, unless --prefix is writable and there is no service.
    const asNobody = (args: string[]) =>
      spawnCommand(
        '/usr/bin/setpriv',
        [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          join(path, 'sh'),
          '-c',
          'printf %s "$SCRIPT" | sh -s -- "$@"',
          'install',
          ...args,
        ],
        { PATH: path, SCRIPT: served },
      );
    const notRoot = asNobody(['--token', token]);
    expect(await notRoot.exited).toBe(3);
    expect(notRoot.output()).toMatch(/must run as root: use sudo/);
    const readOnly = asNobody(['--token', token, ...common]);
    expect(await readOnly.exited).toBe(3);
    expect(readOnly.output()).toMatch(/cannot write to .*; run as root or choose another --prefix/);

    expect(existsSync(join(prefix, 'bin'))).toBe(false);
    expect(existsSync(join(prefix, 'state'))).toBe(false);
    expect(await deviceCount()).toBe(devices);
  }, 60_000);

  /**
   * A proxy in front of the server that changes one byte of every agent download, as a
   * compromised mirror or network would. The server sees the proxy's Host, so the script it
   * serves through the proxy downloads through the proxy too.
   */
  async function tamperingProxy(): Promise<{ url: string; server: Server }> {
    const target = new URL(fleet.url);
    const server = createServer((req, res) => {
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          let first = true;
          up.on('data', (chunk: Buffer) => {
            if (first && req.url?.startsWith('/api/agent/downloads/')) chunk[100] ^= 0xff;
            first = false;
            res.write(chunk);
          });
          up.on('end', () => res.end());
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, server };
  }

  it('refuses a download whose bytes are not the ones the server published, enrolling nothing', async () => {
    const { id, token } = await newToken();
    const prefix = await tempDir();
    const devices = await deviceCount();
    const proxy = await tamperingProxy();
    try {
      const pipeline = `curl -fsSL "$URL/install.sh" | sh -s -- "$@"`;
      const proc = spawnCommand(
        join(path, 'sh'),
        ['-c', pipeline, 'install', '--token', token, '--prefix', prefix, '--no-service'],
        { PATH: path, URL: proxy.url },
      );
      expect(await proc.exited).toBe(6);
      expect(proc.output()).toMatch(
        /SHA-256 is [0-9a-f]{64}, not the [0-9a-f]{64} the server published; nothing was installed or enrolled/,
      );
    } finally {
      proxy.server.close();
    }
    expect(existsSync(join(prefix, 'bin'))).toBe(false);
    expect(existsSync(join(prefix, 'state'))).toBe(false);
    expect(await uses(id)).toBe(0);
    expect(await deviceCount()).toBe(devices);
  }, 60_000);

  it('and the server refuses to serve a file changed on disk after it checked it', async () => {
    const { id, token } = await newToken();
    const prefix = await tempDir();
    const served = join(binDir, EXE);
    const handle = await open(served, 'r+');
    try {
      await handle.write(Buffer.from('tampered'), 0, 8, 4096);
    } finally {
      await handle.close();
    }
    const res = await install(['--token', token, '--prefix', prefix, '--no-service']);
    expect(res.code).not.toBe(0);
    expect(res.out).toMatch(
      /answered 409 to the download: The agent executable for linux-x64 changed on disk/,
    );
    expect(existsSync(join(prefix, 'state'))).toBe(false);
    expect(await uses(id)).toBe(0);
  }, 60_000);
});
