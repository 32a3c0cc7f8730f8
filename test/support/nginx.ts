import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { type Proc, ROOT, spawnCommand } from './processes';

export const NGINX_EXAMPLE = join(ROOT, 'docs', 'nginx-example.conf');

/** The nginx binary, or undefined when it is not installed. */
export function findNginx(): string | undefined {
  for (const candidate of ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/bin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'pipe' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  try {
    return execFileSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface NginxPorts {
  https: number;
  http: number;
  upstream: number;
}

/**
 * The documented example with only what must differ on a test box replaced: loopback ports
 * and the certificate paths. Each replacement must hit exactly once, so the example cannot
 * drift away from what this test runs without the test failing.
 */
export function exampleForTest(ports: NginxPorts, cert: string, key: string): string {
  let conf = readFileSync(NGINX_EXAMPLE, 'utf8');
  const swap = (from: string, to: string) => {
    const hits = conf.split(from).length - 1;
    if (hits !== 1) throw new Error(`${NGINX_EXAMPLE}: expected '${from}' once, found ${hits}`);
    conf = conf.replace(from, to);
  };
  swap('listen 443 ssl;', `listen 127.0.0.1:${ports.https} ssl;`);
  swap('listen 80;', `listen 127.0.0.1:${ports.http};`);
  swap('server 127.0.0.1:3000;', `server 127.0.0.1:${ports.upstream};`);
  swap('/etc/ssl/fleetdesk/fullchain.pem', cert);
  swap('/etc/ssl/fleetdesk/privkey.pem', key);
  return conf;
}

/** Runs nginx in the foreground with `site` inside a minimal http {} block, all under `dir`. */
export async function startNginx(
  binary: string,
  dir: string,
  site: string,
  port: number,
): Promise<Proc> {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'fleetdesk.conf'), site);
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((t) => `  ${t}_temp_path ${join(dir, 'tmp', t)};`)
    .join('\n');
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      // As root nginx would run its workers as nobody, who cannot enter this 0700 temp dir.
      process.getuid?.() === 0 ? 'user root;' : '',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      temp,
      `  include ${join(dir, 'fleetdesk.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const proc = spawnCommand(
    binary,
    ['-e', 'stderr', '-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'],
    {},
  );
  const deadline = Date.now() + 15_000;
  while (!(await accepts(port))) {
    if (proc.child.exitCode !== null) throw new Error(`nginx exited: ${proc.output()}`);
    if (Date.now() > deadline) throw new Error(`nginx did not listen in time: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return proc;
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
