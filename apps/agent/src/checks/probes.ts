import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_CHECK_LIMITS, nagiosStatus } from '@fleetdesk/api-types';
import type { AgentCheckSpec } from '@fleetdesk/protocol';
import { scriptCommand, SCRIPT_FILE_NAMES } from '../runs/command';
import { clipText } from '../sanitize';
import type { Verdict } from './evaluate';

/** Output kept from a script check: its first line is the message (Nagios convention). */
const MAX_SCRIPT_OUTPUT = 16 * 1024;
const MAX_MESSAGE = AGENT_CHECK_LIMITS.messageLength;

interface Exec {
  code: number | null;
  stdout: string;
  error?: string;
}

/** Runs a program with an argument array (never a shell), bounded in time and output. */
export function run(file: string, args: string[], timeoutMs: number): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        timeout: timeoutMs,
        maxBuffer: MAX_SCRIPT_OUTPUT,
        windowsHide: true,
        killSignal: 'SIGKILL',
      },
      (err, stdout) => {
        const e = err as
          (NodeJS.ErrnoException & { code?: number | string; killed?: boolean }) | null;
        if (!e) return resolve({ code: 0, stdout: String(stdout) });
        if (e.killed) return resolve({ code: null, stdout: String(stdout), error: 'timed out' });
        if (typeof e.code === 'number') return resolve({ code: e.code, stdout: String(stdout) });
        resolve({ code: null, stdout: String(stdout), error: e.code ? `${e.code}` : e.message });
      },
    );
  });
}

const missing = (what: string, e: Exec): Verdict => ({
  status: 'unknown',
  message: `cannot check ${what}: ${e.error ?? `exit code ${e.code}`}`,
});

/** A service is running: systemd unit active, launchd job with a pid, Windows service RUNNING. */
export async function serviceVerdict(name: string, timeoutMs: number): Promise<Verdict> {
  if (process.platform === 'win32') {
    const r = await run('sc.exe', ['query', name], timeoutMs);
    if (r.code === null) return missing(`service ${name}`, r);
    if (/STATE\s*:\s*\d+\s+RUNNING/.test(r.stdout))
      return { status: 'ok', message: `service ${name} is running` };
    if (r.code === 1060) return { status: 'critical', message: `service ${name} does not exist` };
    return { status: 'critical', message: `service ${name} is not running` };
  }
  if (process.platform === 'darwin') {
    const r = await run('launchctl', ['list', name], timeoutMs);
    if (r.code === null) return missing(`service ${name}`, r);
    if (r.code === 0 && /"PID"\s*=\s*\d+/.test(r.stdout))
      return { status: 'ok', message: `service ${name} is running` };
    return { status: 'critical', message: `service ${name} is not running` };
  }
  const r = await run('systemctl', ['is-active', name], timeoutMs);
  if (r.code === null) return missing(`service ${name}`, r);
  const state = r.stdout.trim().split('\n')[0] || 'unknown';
  return r.code === 0
    ? { status: 'ok', message: `service ${name} is ${state}` }
    : { status: 'critical', message: `service ${name} is ${state}` };
}

/** The names of running processes: /proc on Linux (no process spawned), else ps/tasklist. */
async function processNames(timeoutMs: number): Promise<string[] | Exec> {
  if (process.platform === 'linux') {
    const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
    const names = await Promise.all(
      pids.map((pid) =>
        readFile(`/proc/${pid}/comm`, 'utf8').then(
          (s) => s.trim(),
          () => '',
        ),
      ),
    );
    return names.filter(Boolean);
  }
  if (process.platform === 'win32') {
    const r = await run('tasklist.exe', ['/FO', 'CSV', '/NH'], timeoutMs);
    if (r.code !== 0) return r;
    return r.stdout.split(/\r?\n/).map((l) => /^"([^"]*)"/.exec(l)?.[1] ?? '');
  }
  const r = await run('ps', ['-axco', 'comm='], timeoutMs);
  if (r.code !== 0) return r;
  return r.stdout.split('\n').map((l) => l.trim());
}

/** Linux truncates /proc/<pid>/comm to 15 characters; Windows names end in .exe. */
export function processMatches(running: string, wanted: string): boolean {
  const a = running.toLowerCase();
  const b = wanted.toLowerCase();
  return a === b || a === `${b}.exe` || (a.length === 15 && b.startsWith(a));
}

export async function processVerdict(name: string, timeoutMs: number): Promise<Verdict> {
  const names = await processNames(timeoutMs);
  if (!Array.isArray(names)) return missing(`process ${name}`, names);
  const count = names.filter((n) => processMatches(n, name)).length;
  return count > 0
    ? { status: 'ok', message: `${count} ${name} process(es) running`, value: count }
    : { status: 'critical', message: `no ${name} process running`, value: 0 };
}

export async function pingVerdict(host: string, timeoutMs: number): Promise<Verdict> {
  const secs = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
  const args =
    process.platform === 'win32'
      ? ['-n', '1', '-w', String(timeoutMs), host]
      : process.platform === 'darwin'
        ? ['-c', '1', '-t', secs, host]
        : ['-c', '1', '-W', secs, host];
  const started = Date.now();
  const r = await run('ping', args, timeoutMs + 2000);
  if (r.code === null && r.error !== 'timed out') return missing(`ping ${host}`, r);
  const rtt = /time[=<]\s*([\d.]+)\s*ms/i.exec(r.stdout);
  const value = rtt ? Number(rtt[1]) : Date.now() - started;
  return r.code === 0
    ? { status: 'ok', message: `${host} answers ping in ${value} ms`, value }
    : { status: 'critical', message: `${host} does not answer ping` };
}

export function tcpVerdict(host: string, port: number, timeoutMs: number): Promise<Verdict> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect({ host, port });
    const done = (v: Verdict) => {
      socket.destroy();
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(
      () =>
        done({ status: 'critical', message: `${host}:${port} timed out after ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('connect', () => {
      const ms = Date.now() - started;
      done({ status: 'ok', message: `${host}:${port} accepts connections (${ms} ms)`, value: ms });
    });
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ status: 'critical', message: `${host}:${port}: ${err.code ?? err.message}` }),
    );
  });
}

/**
 * A script check, Nagios plugin style: exit 0 ok, 1 warning, 2 critical, anything else
 * unknown; the first line of its output is the message. The script runs from a fresh
 * private temp directory, removed afterwards, and is killed at the timeout.
 */
export async function scriptVerdict(spec: AgentCheckSpec): Promise<Verdict> {
  if (!spec.language || !spec.script) return { status: 'unknown', message: 'no script' };
  const dir = await mkdtemp(join(tmpdir(), 'fleetdesk-check-'));
  try {
    const file = join(dir, SCRIPT_FILE_NAMES[spec.language]);
    await writeFile(file, spec.script, { mode: 0o700 });
    const command = scriptCommand(spec.language, file, [], {
      platform: process.platform,
      execPath: process.execPath,
    });
    if ('error' in command) return { status: 'unknown', message: command.error };
    const r = await new Promise<Exec>((resolve) => {
      let out = '';
      const child = spawn(command.file, command.args, {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'ignore'],
        windowsHide: true,
        windowsVerbatimArguments: command.windowsVerbatimArguments,
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), spec.timeoutMs);
      child.stdout.on('data', (d: Buffer) => {
        if (out.length < MAX_SCRIPT_OUTPUT) out += d.toString('utf8');
      });
      child.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ code: null, stdout: '', error: e.code ?? e.message });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve(
          signal
            ? { code: null, stdout: out, error: `timed out after ${spec.timeoutMs} ms` }
            : { code, stdout: out },
        );
      });
    });
    if (r.code === null) return { status: 'unknown', message: `script: ${r.error ?? 'failed'}` };
    const first = r.stdout.split(/\r?\n/, 1)[0].trim();
    const status = nagiosStatus(r.code);
    return { status, message: clipText(first || `exit code ${r.code}`, MAX_MESSAGE) };
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The probe for a kind that does not read heartbeat figures. */
export function probe(spec: AgentCheckSpec): Promise<Verdict> {
  switch (spec.kind) {
    case 'service':
      return serviceVerdict(spec.service ?? '', spec.timeoutMs);
    case 'process':
      return processVerdict(spec.process ?? '', spec.timeoutMs);
    case 'ping':
      return pingVerdict(spec.host ?? '', spec.timeoutMs);
    case 'tcp':
      return tcpVerdict(spec.host ?? '', spec.port ?? 0, spec.timeoutMs);
    case 'script':
      return scriptVerdict(spec);
    case 'cpu':
    case 'memory':
    case 'disk':
      return Promise.resolve({
        status: 'unknown',
        message: `${spec.kind} is judged on heartbeats`,
      });
  }
}
