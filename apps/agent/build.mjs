// Bundles the agent into one self-contained file: dist/fleetdesk-agent.js runs with plain
// `node`, no node_modules beside it (ws and systeminformation are inlined). Then makes the
// single-file executables that need no Node on the device (dist/bin/, see sea/build-sea.mjs).
//
//   --platforms LIST   (or FLEETDESK_AGENT_PLATFORMS) comma list of linux-x64, linux-arm64,
//                      win-x64, darwin-x64; `all` (default) or `none` (bundle only)
//   --out-dir DIR      (or FLEETDESK_AGENT_OUT_DIR) instead of apps/agent/dist
//   FLEETDESK_AGENT_VERSION  overrides src/version.ts, e.g. to build a newer agent for an
//                      update test
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { buildExecutables, parsePlatforms } from './sea/build-sea.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: { platforms: { type: 'string' }, 'out-dir': { type: 'string' } },
});
const outDir = resolve(
  args['out-dir'] ?? process.env.FLEETDESK_AGENT_OUT_DIR ?? join(here, 'dist'),
);
const outfile = join(outDir, 'fleetdesk-agent.js');
const platforms = parsePlatforms(args.platforms ?? process.env.FLEETDESK_AGENT_PLATFORMS);

const versionOverride = process.env.FLEETDESK_AGENT_VERSION?.trim() || undefined;
if (versionOverride !== undefined && !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(versionOverride)) {
  throw new Error(
    `FLEETDESK_AGENT_VERSION must look like 1.2.3 or 1.2.3-rc.1 (got ${versionOverride})`,
  );
}
const version =
  versionOverride ??
  /DEFAULT_AGENT_VERSION\s*=\s*'([^']+)'/.exec(
    readFileSync(join(here, 'src', 'version.ts'), 'utf8'),
  )?.[1];
if (!version) throw new Error('cannot read the default AGENT_VERSION in src/version.ts');

const result = await build({
  write: false,
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  define: { __FLEETDESK_AGENT_VERSION__: JSON.stringify(version) },
  // The protocol imports its report shapes and lists from api-types: both bundled from source.
  alias: {
    '@fleetdesk/protocol': join(here, '..', '..', 'libs', 'protocol', 'src', 'index.ts'),
    '@fleetdesk/api-types': join(here, '..', '..', 'libs', 'api-types', 'src', 'index.ts'),
  },
  // Optional native add-ons that ws and systeminformation load inside try/catch.
  external: ['bufferutil', 'utf-8-validate', 'osx-temperature-sensor', 'macos-temperature-sensor'],
  legalComments: 'none',
  // V8 keeps the whole bundle's source resident, as one-byte text only if every character is
  // Latin-1: minified (comments, where '≤' and '→' were, gone) and ASCII, it is 0.56 MB held one
  // byte per character instead of 1 MB held as two-byte text. keepNames: functions and classes
  // keep their names, so stack traces in the agent's log still say where.
  minify: true,
  keepNames: true,
  charset: 'ascii',
  logLevel: 'warning',
});
// Replaced by rename: test files build in parallel, and a reader (node, or the executable
// builder hashing the bundle) must never see a half-written file.
mkdirSync(outDir, { recursive: true });
const staged = `${outfile}.${randomBytes(4).toString('hex')}.tmp`;
writeFileSync(staged, result.outputFiles[0].contents, { mode: 0o755 });
renameSync(staged, outfile);

if (platforms.length > 0) {
  await buildExecutables({ bundle: outfile, binDir: join(outDir, 'bin'), version, platforms });
}
