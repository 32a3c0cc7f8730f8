import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './processes';

export const AGENT_BIN_DIR = join(ROOT, 'apps', 'agent', 'dist', 'bin');

export interface AgentManifest {
  version: string;
  bundleSha256: string;
  node: Record<string, string>;
  platforms: { platform: string; file: string; size: number; sha256: string }[];
}

export const readManifest = (binDir = AGENT_BIN_DIR): AgentManifest =>
  JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8')) as AgentManifest;

/**
 * `npm run build:agent` for the given platforms (default: this machine's). Executables that
 * are already built from the same bundle are reused, so this is quick after the first time.
 */
export function buildExecutables(
  platforms = 'linux-x64',
  env: Record<string, string> = {},
  binDir = AGENT_BIN_DIR,
): AgentManifest {
  execFileSync(process.execPath, [join(ROOT, 'apps', 'agent', 'build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FLEETDESK_AGENT_PLATFORMS: platforms, ...env },
  });
  return readManifest(binDir);
}

/**
 * A PATH holding only the named tools (as links to the real ones), so a process under test
 * demonstrably finds no `node`. The caller removes the folder.
 */
export function pathWithout(tools: string[]): string {
  const bin = mkdtempSync(join(tmpdir(), 'fleetdesk-path-'));
  // Usable by another user too (a test may run the installer as nobody).
  chmodSync(bin, 0o755);
  for (const tool of tools) {
    const real = execFileSync('sh', ['-c', `command -v "$1"`, 'sh', tool], {
      encoding: 'utf8',
    }).trim();
    symlinkSync(real, join(bin, tool));
  }
  return bin;
}
