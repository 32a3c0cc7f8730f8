// Turns the agent bundle into single-file executables (Node's single executable applications)
// for each platform in node-binaries.json, and writes bin/manifest.json beside them.
//
// Per platform: the pinned Node binary comes from the registry (`npm pack`, which checks the
// registry's integrity; we check it again against our own pin) into a cache outside the repo;
// the SEA blob is made by the linux-x64 Node of the same version (a blob only fits the Node
// version that made it); postject injects it into a copy of the target's binary.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const PINS = JSON.parse(readFileSync(join(here, 'node-binaries.json'), 'utf8'));
export const ALL_PLATFORMS = Object.keys(PINS.platforms);

// The fuse string Node looks for to know a blob was injected (documented, fixed per Node).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

export const executableName = (platform) =>
  `fleetdesk-agent-${platform}${platform.startsWith('win-') ? '.exe' : ''}`;

/** `FLEETDESK_AGENT_PLATFORMS` / `--platforms`: a comma list, `all` (default) or `none`. */
export function parsePlatforms(raw) {
  const value = (raw ?? 'all').trim();
  if (value === '' || value === 'all') return ALL_PLATFORMS;
  if (value === 'none') return [];
  const list = value.split(',').map((p) => p.trim());
  const unknown = list.filter((p) => !ALL_PLATFORMS.includes(p));
  if (unknown.length > 0) {
    throw new Error(
      `unknown agent platform ${unknown.join(', ')}; choose from ${ALL_PLATFORMS.join(', ')}, all or none`,
    );
  }
  return [...new Set(list)];
}

const cacheRoot = () =>
  process.env.FLEETDESK_NODE_CACHE ??
  join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'fleetdesk', 'node');

const sha = (algorithm, encoding, data) => createHash(algorithm).update(data).digest(encoding);

export async function sha256File(path) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * Path of `binary` inside the pinned package, fetched into the cache when missing. The cache
 * entry is a directory that appears by rename only once the tarball matched its pin, so a
 * half-done fetch or a concurrent build never leaves a binary that was not checked.
 */
function nodeBinary(pkg, version, binary) {
  const spec = `${pkg}@${version}`;
  const integrity = PINS.packages[spec];
  if (!integrity) throw new Error(`${spec} has no pinned integrity in node-binaries.json`);
  const dir = join(cacheRoot(), `${pkg}-${version}`);
  const path = join(dir, binary);
  const marker = join(dir, 'integrity');
  if (existsSync(path) && existsSync(marker) && readFileSync(marker, 'utf8') === integrity) {
    return path;
  }
  mkdirSync(cacheRoot(), { recursive: true });
  const work = join(cacheRoot(), `.${pkg}-${version}.${randomBytes(4).toString('hex')}`);
  mkdirSync(work);
  try {
    console.log(`agent: fetching ${spec} from the registry`);
    const out = execFileSync(
      'npm',
      ['pack', spec, '--pack-destination', work, '--json', '--silent'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const tarball = join(work, JSON.parse(out)[0].filename);
    const [algorithm, expected] = integrity.split('-');
    const actual = sha(algorithm, 'base64', readFileSync(tarball));
    if (actual !== expected) {
      throw new Error(
        `${spec}: tarball integrity ${algorithm}-${actual} is not the pinned ${integrity}`,
      );
    }
    const staged = join(work, 'staged');
    mkdirSync(staged);
    execFileSync('tar', [
      '-xzf',
      tarball,
      '-C',
      staged,
      '--strip-components=1',
      `package/${binary}`,
    ]);
    writeFileSync(join(staged, 'integrity'), integrity);
    rmSync(dir, { recursive: true, force: true });
    try {
      renameSync(staged, dir);
    } catch (err) {
      // Another build got there first with the same checked bytes.
      if (!existsSync(path)) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return path;
}

/**
 * V8 settings for a program that idles for days and whose heavy work runs in child processes
 * (scripts, package managers). Measured on linux-x64 (BENCHMARKS.md, "Agent footprint"): the
 * interpreter alone (no Sparkplug, Maglev or TurboFan code) touches fewer of the binary's
 * pages and allocates no optimised code; one V8 worker thread and a 1 MiB young generation
 * keep the idle heap small; --expose-gc lets the agent collect after each report (agent.ts).
 * Not --jitless, which would also save little more: it turns off
 * WebAssembly, and fetch (enrollment, update downloads) parses HTTP with it.
 */
export const AGENT_EXEC_ARGV = [
  '--no-opt',
  '--no-sparkplug',
  '--no-maglev',
  '--v8-pool-size=1',
  '--max-semi-space-size=1',
  '--optimize-for-size',
  '--expose-gc',
];

/** Makes the SEA preparation blob with the linux-x64 Node of `version`. */
function makeBlob(bundle, version, workDir) {
  if (`${process.platform}-${process.arch}` !== 'linux-x64') {
    throw new Error(
      `agent executables are built on linux-x64 (this is ${process.platform}-${process.arch}); set FLEETDESK_AGENT_PLATFORMS=none to build only the bundle`,
    );
  }
  const builder = nodeBinary(PINS.builder, version, 'bin/node');
  const output = join(workDir, `sea-${version}.blob`);
  const config = join(workDir, `sea-${version}.json`);
  writeFileSync(
    config,
    JSON.stringify({
      main: bundle,
      output,
      disableExperimentalSEAWarning: true,
      // Both are V8-version and CPU specific; the blob must work on every target.
      useSnapshot: false,
      useCodeCache: false,
      execArgv: AGENT_EXEC_ARGV,
    }),
  );
  const res = spawnSync(builder, ['--experimental-sea-config', config], { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`making the SEA blob with Node ${version} failed:\n${res.stdout}${res.stderr}`);
  }
  return readFileSync(output);
}

/** postject runs as a child: it reports harmless LIEF warnings on stderr, shown on failure only. */
function inject(target, blob, platform, workDir) {
  const blobPath = join(workDir, `inject-${platform}.blob`);
  writeFileSync(blobPath, blob);
  const cli = join(dirname(require.resolve('postject/package.json')), 'dist', 'cli.js');
  const args = [cli, target, 'NODE_SEA_BLOB', blobPath, '--sentinel-fuse', SEA_FUSE];
  // Mach-O needs the blob in a segment of its own.
  if (platform.startsWith('darwin-')) args.push('--macho-segment-name', 'NODE_SEA');
  const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (res.status !== 0) {
    throw new Error(`postject failed for ${platform}:\n${res.stdout}${res.stderr}`);
  }
}

function readManifest(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Builds `platforms` into `binDir`. An executable already there is reused when the manifest
 * says it holds this very bundle with the pinned Node and its bytes still hash as recorded;
 * executables of other platforms stay only on the same terms.
 */
export async function buildExecutables({ bundle, binDir, version, platforms }) {
  mkdirSync(binDir, { recursive: true });
  const release = await lock(join(binDir, '.build-lock'));
  try {
    return await buildLocked({ bundle, binDir, version, platforms });
  } finally {
    release();
  }
}

/**
 * One builder at a time per output folder: test files build in parallel, and one that
 * drops a stale executable must not do so under another that just built it.
 */
async function lock(dir) {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder;
    try {
      holder = Number(readFileSync(join(dir, 'pid'), 'utf8'));
    } catch {
      holder = undefined; // being created or removed right now
    }
    if (holder && !isAlive(holder)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${dir} is still held by process ${holder}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

async function buildLocked({ bundle, binDir, version, platforms }) {
  const bundleSha256 = await sha256File(bundle);
  const manifestPath = join(binDir, 'manifest.json');
  const previous = readManifest(manifestPath);
  // The V8 settings are part of the executable too: a change to them alone must rebuild it.
  const previousEntry = (platform) =>
    previous?.bundleSha256 === bundleSha256 &&
    JSON.stringify(previous?.execArgv) === JSON.stringify(AGENT_EXEC_ARGV) &&
    previous?.node?.[platform] === PINS.platforms[platform].version
      ? previous.platforms?.find((p) => p.platform === platform)
      : undefined;
  const stillValid = async (entry) =>
    entry !== undefined &&
    existsSync(join(binDir, entry.file)) &&
    statSync(join(binDir, entry.file)).size === entry.size &&
    (await sha256File(join(binDir, entry.file))) === entry.sha256;

  const workDir = join(tmpdir(), `fleetdesk-sea-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(workDir);
  const blobs = new Map();
  const entries = [];
  try {
    for (const platform of ALL_PLATFORMS) {
      const pin = PINS.platforms[platform];
      const file = executableName(platform);
      const kept = previousEntry(platform);
      if (await stillValid(kept)) {
        entries.push(kept);
        continue;
      }
      if (!platforms.includes(platform)) {
        // Built from another bundle (or damaged): never leave it beside a manifest that lies.
        rmSync(join(binDir, file), { force: true });
        continue;
      }
      if (!blobs.has(pin.version)) blobs.set(pin.version, makeBlob(bundle, pin.version, workDir));
      const staged = join(binDir, `.${file}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        copyFileSync(nodeBinary(pin.package, pin.version, pin.binary), staged);
        chmodSync(staged, 0o755);
        inject(staged, blobs.get(pin.version), platform, workDir);
        renameSync(staged, join(binDir, file));
      } finally {
        rmSync(staged, { force: true });
      }
      const path = join(binDir, file);
      entries.push({ platform, file, size: statSync(path).size, sha256: await sha256File(path) });
      console.log(`agent: built ${file} (Node ${pin.version})`);
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  const manifest = {
    version,
    bundleSha256,
    execArgv: AGENT_EXEC_ARGV,
    node: Object.fromEntries(entries.map((e) => [e.platform, PINS.platforms[e.platform].version])),
    platforms: entries,
  };
  const staged = `${manifestPath}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(staged, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(staged, manifestPath);
  return manifest;
}
