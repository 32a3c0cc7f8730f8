import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../apps/server/src/test-support/processes';

export const AGENT_BUNDLE = join(ROOT, 'apps', 'agent', 'dist', 'fleetdesk-agent.js');

const BUILD_TIMEOUT_MS = 5 * 60_000;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Makes `dir` once per jest run (FLEETDESK_TEST_RUN, which every worker inherits) and returns
 * it: the first caller builds into a staging folder and renames it into place, the others wait
 * for it. Building once, before any test of the run uses the result, also means no build ever
 * rewrites files under another test file's running server or agents. The global teardown
 * (scripts/jest-global-teardown.js) removes these folders.
 */
function oncePerRun(name: string, build: (staging: string) => void): string {
  const run = process.env.FLEETDESK_TEST_RUN ?? `pid${process.pid}`;
  const dir = join(tmpdir(), `fleetdesk-${name}-${run}`);
  const lock = `${dir}.lock`;
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  while (!existsSync(dir)) {
    try {
      mkdirSync(lock);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // Another worker builds; if it fails, its lock goes and the next loop builds here.
      if (Date.now() > deadline) throw new Error(`${dir} was not built within 5 minutes`);
      sleepSync(200);
      continue;
    }
    try {
      if (existsSync(dir)) break;
      const staging = mkdtempSync(`${dir}.staging-`);
      try {
        build(staging);
        renameSync(staging, dir);
      } catch (error) {
        rmSync(staging, { recursive: true, force: true });
        throw error;
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

/**
 * Builds the server and the agent bundle exactly as `npm start` and `npm run agent` do, once
 * per jest run.
 */
export function buildAll(): void {
  oncePerRun('built', () => buildServerAndAgent());
}

function buildServerAndAgent(): void {
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
 * Builds the web console into a folder outside the repository, once per jest run, and returns
 * it, for the server's CONSOLE_DIR: a build into the shared dist/ would empty it under another
 * file's running server and fail that file's page loads. Read-only for the tests.
 */
export function buildConsole(): string {
  return oncePerRun('console', (outDir) => buildConsoleInto(outDir));
}

function buildConsoleInto(outDir: string): void {
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
