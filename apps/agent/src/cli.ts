import { normalizeFingerprint, uuid } from '@fleetdesk/protocol';
import { isIP } from 'node:net';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_MAX_CONCURRENT_RUNS } from './runs/runs';
import { assertSecureServerUrl, normalizeServerUrl } from './server-url';

export const USAGE = `Usage: fleetdesk-agent <command> [options]

Commands:
  enroll --server URL --token TOKEN [--server-key-sha256 HEX] [--state-dir DIR] [--force]
         [--insecure]
      Create this device's identity and register it with the server.
      --server-key-sha256 pins the server's key from the first contact: enrollment is refused,
      and nothing saved, unless the server's key has this fingerprint (the console's enroll
      commands include it). --force replaces an existing identity (the device enrolls as a
      new one). --insecure allows an http:// server that is not on this machine.
  run [--state-dir DIR] [--max-concurrent-runs N]
      Connect to the server, report inventory and heartbeats, and run the scripts the
      server sends (signed by its key, each run at most once) until stopped. Up to N runs
      execute at once (default 4, at most 64); the rest wait their turn.
  simulate --server URL --token TOKEN --count N [--bind IP,IP,...] [--state-dir DIR]
           [--heartbeat-jitter] [--exec-log FILE] [--enroll-timeout SECONDS]
           [--enroll-concurrency N] [--enroll-only] [--collect-logs [--hold-uploads]]
           [--insecure]
      Run N virtual agents in this process for load testing. Identities are kept in
      DIR/sim-identities.jsonl and reused on the next run (--token is then only needed
      for agents not yet enrolled). --bind spreads sockets over local source addresses;
      --heartbeat-jitter also varies every heartbeat period by +/-10%.
      Simulated agents check and acknowledge runs like real ones but never execute the
      script: each run reports one line of output and succeeds with exit code 0.
      --exec-log appends each run id a virtual agent accepts to FILE, so fault tests can
      count executions. Enrollments the server turns away (rate limit, outage) are retried
      with backoff for up to --enroll-timeout seconds in all (default 600), at most
      --enroll-concurrency at a time (default 20). --enroll-only enrolls the missing
      identities, saves them and exits without connecting (to measure enrollment alone).
      --collect-logs makes virtual agents perform log collections for real (the files the
      action names, staged under DIR/agents/<device id>, uploaded in signed chunks), for
      npm run bench:logs. --hold-uploads also compresses each staged bundle's requests and
      sends none of them until the process receives SIGUSR2 (the benchmark's go signal).
  install-service [--state-dir DIR] [--dry-run]
      Install and start the agent as a system service (systemd on Linux, launchd on macOS);
      on Windows, print the equivalent commands. --dry-run prints instead of installing.
  uninstall-service
      Stop the service and remove what install-service wrote (no error if there is none).
  update-trial --state-dir DIR --run-id ID
      Used by the agent itself during a self-update: the new binary connects once as the
      device, proves it works, and exits. Not for manual use.
  help, --help, -h        Show this text.
  version, --version      Print the agent version.

The server URL must be https:// unless it is on this machine (localhost, 127.0.0.0/8, ::1)
or --insecure is given. To trust a private CA, point NODE_EXTRA_CA_CERTS at its PEM file.

State directory: /var/lib/fleetdesk-agent when root on Linux, else ~/.fleetdesk-agent;
FLEETDESK_AGENT_STATE_DIR overrides the default.

Exit codes: 0 ok, 1 failure, 2 usage error or not enrolled, 3 device revoked, 4 a self-update
installed a new version (a service manager starts it).
`;

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'enroll';
      server: string;
      token: string;
      /** Lowercase hex; see serverKeyFingerprint in libs/protocol. */
      serverKeySha256?: string;
      stateDir?: string;
      force: boolean;
    }
  | { kind: 'run'; stateDir?: string; maxConcurrentRuns: number }
  | {
      kind: 'simulate';
      server: string;
      token?: string;
      count: number;
      bind: string[];
      stateDir?: string;
      heartbeatJitter: boolean;
      execLog?: string;
      enrollDeadlineMs?: number;
      enrollConcurrency?: number;
      enrollOnly: boolean;
      collectLogs: boolean;
      holdUploads: boolean;
    }
  | { kind: 'install-service'; stateDir?: string; dryRun: boolean }
  | { kind: 'uninstall-service' }
  | { kind: 'update-trial'; stateDir: string; runId: string };

export class UsageError extends Error {
  override name = 'UsageError';
}

export const MAX_SIMULATED_AGENTS = 100_000;
export const MAX_CONCURRENT_RUNS = 64;

type Options = NonNullable<ParseArgsConfig['options']>;
const str = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const help = { help: { type: 'boolean', short: 'h' } } as const;

const OPTIONS = {
  enroll: {
    server: str,
    token: str,
    'server-key-sha256': str,
    'state-dir': str,
    force: flag,
    insecure: flag,
    ...help,
  },
  run: { 'state-dir': str, 'max-concurrent-runs': str, ...help },
  simulate: {
    server: str,
    token: str,
    count: str,
    bind: str,
    'state-dir': str,
    'heartbeat-jitter': flag,
    'exec-log': str,
    insecure: flag,
    'enroll-timeout': str,
    'enroll-concurrency': str,
    'enroll-only': flag,
    'collect-logs': flag,
    'hold-uploads': flag,
    ...help,
  },
  'install-service': { 'state-dir': str, 'dry-run': flag, ...help },
  'uninstall-service': { ...help },
  'update-trial': { 'state-dir': str, 'run-id': str, ...help },
} satisfies Record<string, Options>;

type Values = Record<string, string | boolean | undefined>;

function parseOptions(command: keyof typeof OPTIONS, args: string[]): Values {
  try {
    return parseArgs({ args, options: OPTIONS[command], strict: true, allowPositionals: false })
      .values as Values;
  } catch (err) {
    // parseArgs' messages are clear ("Unknown option '--foo'"), but mention the command.
    // Not `instanceof Error`: under jest, node's own errors come from another realm.
    const raw = (err as { message?: unknown } | null)?.message;
    const message = typeof raw === 'string' ? raw : String(err);
    throw new UsageError(`${command}: ${message.replace(/\. To specify.*$/s, '')}`);
  }
}

function required(values: Values, name: string, command: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`${command}: --${name} is required`);
  }
  return value;
}

const optionalString = (values: Values, name: string): string | undefined => {
  const value = values[name];
  if (value === '') throw new UsageError(`--${name} must not be empty`);
  return typeof value === 'string' ? value : undefined;
};

function server(values: Values, command: string): string {
  try {
    const url = normalizeServerUrl(required(values, 'server', command));
    assertSecureServerUrl(url, values.insecure === true);
    return url;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`${command}: ${(err as Error).message}`);
  }
}

function serverKeySha256(values: Values): string | undefined {
  const raw = optionalString(values, 'server-key-sha256');
  if (raw === undefined) return undefined;
  const hex = normalizeFingerprint(raw);
  if (!hex) {
    throw new UsageError(
      'enroll: --server-key-sha256 must be the 64 hex digits of a SHA-256 fingerprint, as the console shows it',
    );
  }
  return hex;
}

function count(values: Values): number {
  const raw = required(values, 'count', 'simulate');
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_SIMULATED_AGENTS) {
    throw new UsageError(
      `simulate: --count must be a whole number from 1 to ${MAX_SIMULATED_AGENTS}`,
    );
  }
  return n;
}

const MAX_ENROLL_TIMEOUT_SECONDS = 86_400;

function enrollDeadlineMs(values: Values): number | undefined {
  const raw = optionalString(values, 'enroll-timeout');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_ENROLL_TIMEOUT_SECONDS) {
    throw new UsageError(
      `simulate: --enroll-timeout must be a whole number of seconds from 1 to ${MAX_ENROLL_TIMEOUT_SECONDS}`,
    );
  }
  return n * 1000;
}

export const MAX_ENROLL_CONCURRENCY = 1_000;

function enrollConcurrency(values: Values): number | undefined {
  const raw = optionalString(values, 'enroll-concurrency');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_ENROLL_CONCURRENCY) {
    throw new UsageError(
      `simulate: --enroll-concurrency must be a whole number from 1 to ${MAX_ENROLL_CONCURRENCY}`,
    );
  }
  return n;
}

function maxConcurrentRuns(values: Values): number {
  const raw = optionalString(values, 'max-concurrent-runs');
  if (raw === undefined) return DEFAULT_MAX_CONCURRENT_RUNS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_CONCURRENT_RUNS) {
    throw new UsageError(
      `run: --max-concurrent-runs must be a whole number from 1 to ${MAX_CONCURRENT_RUNS}`,
    );
  }
  return n;
}

function bind(values: Values): string[] {
  const raw = optionalString(values, 'bind');
  if (raw === undefined) return [];
  const addresses = raw.split(',').map((a) => a.trim());
  const bad = addresses.find((a) => isIP(a) === 0);
  if (bad !== undefined) {
    throw new UsageError(
      `simulate: --bind wants comma-separated IP addresses; '${bad}' is not one`,
    );
  }
  return addresses;
}

/** Parses argv (without node and the script). Throws UsageError for anything off. */
export function parseCli(argv: readonly string[]): Command {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { kind: 'help' };
    case 'version':
    case '--version':
      return { kind: 'version' };
    case 'enroll': {
      const v = parseOptions(command, rest);
      if (v.help) return { kind: 'help' };
      return {
        kind: 'enroll',
        server: server(v, command),
        token: required(v, 'token', command),
        serverKeySha256: serverKeySha256(v),
        stateDir: optionalString(v, 'state-dir'),
        force: v.force === true,
      };
    }
    case 'run': {
      const v = parseOptions(command, rest);
      if (v.help) return { kind: 'help' };
      return {
        kind: 'run',
        stateDir: optionalString(v, 'state-dir'),
        maxConcurrentRuns: maxConcurrentRuns(v),
      };
    }
    case 'simulate': {
      const v = parseOptions(command, rest);
      if (v.help) return { kind: 'help' };
      if (v['hold-uploads'] === true && v['collect-logs'] !== true) {
        throw new UsageError(`${command}: --hold-uploads needs --collect-logs`);
      }
      return {
        kind: 'simulate',
        server: server(v, command),
        token: optionalString(v, 'token'),
        count: count(v),
        bind: bind(v),
        stateDir: optionalString(v, 'state-dir'),
        heartbeatJitter: v['heartbeat-jitter'] === true,
        execLog: optionalString(v, 'exec-log'),
        enrollDeadlineMs: enrollDeadlineMs(v),
        enrollConcurrency: enrollConcurrency(v),
        enrollOnly: v['enroll-only'] === true,
        collectLogs: v['collect-logs'] === true,
        holdUploads: v['hold-uploads'] === true,
      };
    }
    case 'install-service': {
      const v = parseOptions(command, rest);
      if (v.help) return { kind: 'help' };
      return {
        kind: 'install-service',
        stateDir: optionalString(v, 'state-dir'),
        dryRun: v['dry-run'] === true,
      };
    }
    case 'uninstall-service': {
      const v = parseOptions(command, rest);
      if (v.help) return { kind: 'help' };
      return { kind: 'uninstall-service' };
    }
    case 'update-trial': {
      const v = parseOptions(command, rest);
      if (v.help) return { kind: 'help' };
      const runId = required(v, 'run-id', command);
      if (!uuid(runId).ok) throw new UsageError('update-trial: --run-id must be a run id (a uuid)');
      return { kind: 'update-trial', stateDir: required(v, 'state-dir', command), runId };
    }
    default:
      throw new UsageError(
        command.startsWith('-') ? `unknown option '${command}'` : `unknown command '${command}'`,
      );
  }
}
