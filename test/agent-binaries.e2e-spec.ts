import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_BIN_DIR, type AgentManifest, buildExecutables } from './support/executables';
import { ROOT } from './support/processes';

const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1';

/** The first bytes of a file: enough for every header checked here. */
async function head(path: string, bytes = 64 * 1024): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** What the header says the file is, in the words of `file(1)`, checked field by field. */
function describeHeader(b: Buffer): string {
  if (b.readUInt32BE(0) === 0x7f454c46) {
    const bits = b[4] === 2 ? 64 : 32;
    const endian = b[5] === 1 ? 'LSB' : 'MSB';
    const machine = { 0x3e: 'x86-64', 0xb7: 'aarch64' }[b.readUInt16LE(0x12)] ?? 'other';
    return `ELF ${bits}-bit ${endian} ${machine}`;
  }
  if (b.toString('latin1', 0, 2) === 'MZ') {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString('latin1', pe, pe + 4) !== 'PE\0\0') return 'MZ without PE';
    const machine = b.readUInt16LE(pe + 4) === 0x8664 ? 'x86-64' : 'other';
    const magic = b.readUInt16LE(pe + 24) === 0x20b ? 'PE32+' : 'PE32';
    return `${magic} ${machine}`;
  }
  if (b.readUInt32LE(0) === 0xfeedfacf) {
    const cpu = b.readInt32LE(4) === 0x01000007 ? 'x86_64' : 'other';
    return `Mach-O 64-bit ${cpu}`;
  }
  return 'unknown';
}

/**
 * Every executable the build makes: the headers say the right OS and CPU, Node's SEA fuse is
 * flipped and the agent is inside, and the manifest's size and SHA-256 are the file's. Only
 * linux-x64 can run here (agent-executable.e2e-spec.ts); the others are checked like this.
 */
describe('agent executables for every platform', () => {
  let manifest: AgentManifest;

  beforeAll(() => {
    manifest = buildExecutables('all');
  }, 300_000);

  const expected: Record<string, { file: string; header: string }> = {
    'linux-x64': { file: 'fleetdesk-agent-linux-x64', header: 'ELF 64-bit LSB x86-64' },
    'linux-arm64': { file: 'fleetdesk-agent-linux-arm64', header: 'ELF 64-bit LSB aarch64' },
    'win-x64': { file: 'fleetdesk-agent-win-x64.exe', header: 'PE32+ x86-64' },
    'darwin-x64': { file: 'fleetdesk-agent-darwin-x64', header: 'Mach-O 64-bit x86_64' },
  };

  it('lists the four platforms with a pinned Node 24 each', () => {
    expect(manifest.platforms.map((p) => p.platform).sort()).toEqual(Object.keys(expected).sort());
    for (const p of manifest.platforms) {
      expect(p.file).toBe(expected[p.platform].file);
      expect(manifest.node[p.platform]).toMatch(/^24\.\d+\.\d+$/);
    }
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it.each(Object.keys(expected))(
    '%s: header, SEA fuse, bundle inside, size and sha256',
    async (platform) => {
      const entry = manifest.platforms.find((p) => p.platform === platform);
      expect(entry).toBeDefined();
      const path = join(AGENT_BIN_DIR, entry!.file);
      expect(describeHeader(await head(path))).toBe(expected[platform].header);
      const bytes = await readFile(path);
      expect(bytes.length).toBe(entry!.size);
      expect((await stat(path)).size).toBe(entry!.size);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry!.sha256);
      expect(bytes.includes(FUSE)).toBe(true);
      expect(bytes.includes('Usage: fleetdesk-agent <command>')).toBe(true);
      if (platform === 'darwin-x64') {
        // Node finds the blob on macOS only in its own segment.
        expect((await head(path)).includes('NODE_SEA\0')).toBe(true);
      }
    },
  );

  it('FLEETDESK_AGENT_VERSION overrides the version, into another folder with --out-dir', async () => {
    const out = await mkdtemp(join(tmpdir(), 'fleetdesk-agent-b-'));
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, 'apps', 'agent', 'build.mjs'), '--out-dir', out, '--platforms', 'none'],
        { cwd: ROOT, env: { ...process.env, FLEETDESK_AGENT_VERSION: '9.8.7' } },
      );
      const version = execFileSync(
        process.execPath,
        [join(out, 'fleetdesk-agent.js'), '--version'],
        {
          encoding: 'utf8',
        },
      );
      expect(version.trim()).toBe('9.8.7');
      expect(() =>
        execFileSync(
          process.execPath,
          [join(ROOT, 'apps', 'agent', 'build.mjs'), '--out-dir', out],
          {
            cwd: ROOT,
            env: { ...process.env, FLEETDESK_AGENT_VERSION: 'nine' },
            stdio: 'pipe',
          },
        ),
      ).toThrow(/FLEETDESK_AGENT_VERSION must look like 1\.2\.3/);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
