// Bundles the agent into one self-contained file: dist/fleetdesk-agent.js runs with plain
// `node`, no node_modules beside it (ws and systeminformation are inlined).
import { chmodSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const outfile = join(here, 'dist', 'fleetdesk-agent.js');

await build({
  entryPoints: [join(here, 'src', 'main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  // The protocol imports its report shapes and lists from api-types: both bundled from source.
  alias: {
    '@fleetdesk/protocol': join(here, '..', '..', 'libs', 'protocol', 'src', 'index.ts'),
    '@fleetdesk/api-types': join(here, '..', '..', 'libs', 'api-types', 'src', 'index.ts'),
  },
  // Optional native add-ons that ws and systeminformation load inside try/catch.
  external: ['bufferutil', 'utf-8-validate', 'osx-temperature-sensor', 'macos-temperature-sensor'],
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
