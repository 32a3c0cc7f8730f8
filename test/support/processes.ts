import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../apps/server/src/test-support/processes';

export const AGENT_BUNDLE = join(ROOT, 'apps', 'agent', 'dist', 'fleetdesk-agent.js');

/** Builds the server and the agent bundle exactly as `npm start` and `npm run agent` do. */
export function buildAll(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-b', 'apps/server/tsconfig.app.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  // The bundle only: the single-file executables are built by the tests that run them.
  execFileSync(process.execPath, [join(ROOT, 'apps', 'agent', 'build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FLEETDESK_AGENT_PLATFORMS: 'none' },
  });
}

/**
 * Builds the web console into a fresh folder of its own and returns it, for the server's
 * CONSOLE_DIR: test files build in parallel, and one build emptying a shared dist/ under
 * another file's running server would fail that file's page loads.
 */
export function buildConsole(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'fleetdesk-console-'));
  execFileSync(
    process.execPath,
    [
      join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      'apps/console/vite.config.mjs',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
  return outDir;
}

export { waitFor } from '../../apps/server/src/test-support/agent-client';
export {
  freePort,
  type Proc,
  ROOT,
  SERVER_MAIN,
  spawnCommand,
  spawnNode,
  waitHealthy,
} from '../../apps/server/src/test-support/processes';
