import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import request from 'supertest';
import { track, untrack } from './leftovers';

/** The repository root, where processes under test are started. */
export const ROOT = join(__dirname, '..', '..', '..', '..');
export const SERVER_MAIN = join(ROOT, 'apps', 'server', 'dist', 'main.js');

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  return port;
}

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** stdout and stderr interleaved as they arrived. */
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `node ARGS` from the repository root (or `cwd`) with a minimal environment plus `env`. */
export function spawnNode(args: string[], env: Record<string, string>, cwd?: string): Proc {
  return spawnCommand(process.execPath, args, env, cwd);
}

/** Runs any command the way spawnNode runs node: repository root, minimal environment. */
export function spawnCommand(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string = ROOT,
): Proc {
  let out = '';
  let err = '';
  let all = '';
  const child = spawn(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    all += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    all += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A process the test forgot (or never reached the line that stops it) is killed after the file.
  track(child, 'process', `${args[0] ?? command} (pid ${child.pid})`, async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  void exited.then(() => untrack(child));
  return { child, stdout: () => out, stderr: () => err, output: () => all, exited };
}

/** Polls /health; `ca` is the PEM to trust when the server speaks HTTPS with a private CA. */
export async function waitHealthy(
  url: string,
  proc: Proc,
  timeoutMs = 150_000,
  ca?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`server exited: ${proc.output()}`);
    const get = request(url).get('/health');
    const res = await (ca ? get.ca(ca) : get).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('server did not become healthy in time');
}
