import { setMaxListeners } from 'node:events';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPrivateKey, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateDeviceKeyPair, type VerifiedBatches } from '@fleetdesk/protocol';
import { Backoff } from './backoff';
import { AgentConnection, combineSessions } from './connection';
import { EnrollError, requestEnrollment, type FetchFn } from './enroll';
import { ExitCode } from './exit-codes';
import { Gate } from './gate';
import { errorMessage, type Logger } from './log';
import { collectLogsHandler } from './logs/collect';
import { SocketUploads } from './logs/transport';
import { GZIP, gzip, LogUploader } from './logs/uploader';
import { startReporting } from './reporter';
import type { ActionHandler } from './runs/runs';
import { SimRuns } from './runs/sim-runs';
import { fakeFacts, fakeInventory, fakeMetrics } from './sim-fakes';
import { SimIdentityStore, type SimIdentity } from './sim-identities';
import { SimStats } from './sim-stats';
import { AGENT_VERSION } from './version';

export interface SimulateOptions {
  server: string;
  token?: string;
  count: number;
  bind: string[];
  stateDir: string;
  heartbeatJitter: boolean;
  /** Appends every accepted run id, one per line, written before the run is reported. */
  execLog?: string;
  /** Defaults suit a real run; tests shrink them. */
  enrollConcurrency?: number;
  /** Enroll the missing identities, save them, and stop without connecting any agent. */
  enrollOnly?: boolean;
  /** How long enrollment may keep retrying rate limits and outages, in all; default 10 min. */
  enrollDeadlineMs?: number;
  /** The random source of the retry jitter, in [0, 1). */
  random?: () => number;
  handshakeConcurrency?: number;
  progressEveryMs?: number;
  fetchFn?: FetchFn;
  /**
   * Virtual agents perform `collect_logs` for real: each stages under
   * `<stateDir>/agents/<device id>` and uploads through the real LogUploader.
   */
  collectLogs?: boolean;
  /**
   * With collectLogs: each bundle is staged and its requests compressed before the run is
   * reported, and nothing is uploaded until `uploadsReleased` resolves (default: the process
   * receives SIGUSR2), so `npm run bench:logs` times the server's ingest of ready bytes.
   */
  holdUploads?: boolean;
  uploadsReleased?: Promise<void>;
  /** Resolves when the simulation should stop; default: SIGINT or SIGTERM. */
  until?: Promise<string>;
  print?: (line: string) => void;
}

export const DEFAULT_ENROLL_DEADLINE_MS = 600_000;

/**
 * `simulate`: N virtual agents in one process, each with its own key and its own socket,
 * speaking the real protocol through the same AgentConnection as the real agent. Runs are
 * checked like the real agent checks them but never executed (see SimRuns).
 */
export async function simulate(options: SimulateOptions, log: Logger): Promise<ExitCode> {
  const print = options.print ?? ((line: string) => console.log(line));
  const store = new SimIdentityStore(options.stateDir);
  const { mine, skipped } = await store.load(options.server);
  if (skipped) log.warn(`skipped ${skipped} unreadable lines in ${store.path}`);
  const reuse = mine.slice(0, options.count);
  const missing = options.count - reuse.length;
  const token = options.token;
  if (missing > 0 && !token) {
    log.error(
      `${store.path} has ${reuse.length} identities for ${options.server}; pass --token to enroll the other ${missing}`,
    );
    return ExitCode.USAGE;
  }
  warnAboutLimits(options, log);

  const stats = new SimStats();
  stats.target = options.count;
  stats.reused = reuse.length;
  const agentLog = stats.logger();
  const gate = new Gate(options.handshakeConcurrency ?? 200);
  const agents: AgentConnection[] = [];
  const uploaders: LogUploader[] = [];
  // Virtual agents sending the same file send the same gzip bytes: compressed once per
  // process, as the ingest benchmark's bare senders do (on a real fleet each device pays it).
  const compressed = new Map<string, Promise<Buffer>>();
  const sharedGzip = (key: string, read: () => Promise<Buffer>): Promise<Buffer> => {
    let body = compressed.get(key);
    if (!body) {
      if (compressed.size >= 64) compressed.clear();
      body = read().then((raw) => gzip(raw, GZIP));
      compressed.set(key, body);
      // A failed read is not kept: the next agent reads its own copy.
      body.catch(() => compressed.get(key) === body && compressed.delete(key));
    }
    return body;
  };
  const released = options.holdUploads
    ? (options.uploadsReleased ?? onceSignal('SIGUSR2'))
    : undefined;
  const revoked = new Set<string>();
  const serverKeys = new Map<string, { key: KeyObject; verified: VerifiedBatches }>();
  let stopping = false;

  const launch = (identity: SimIdentity) => {
    if (stopping || options.enrollOnly) return;
    const { deviceId, hostname } = identity;
    const metrics = fakeMetrics(fakeInventory(deviceId, hostname));
    // Every agent pins the same server key: parse it once, not ten thousand times.
    let pinned = serverKeys.get(identity.serverPublicKey);
    if (!pinned) {
      pinned = { key: createPublicKey(identity.serverPublicKey), verified: new Set() };
      serverKeys.set(identity.serverPublicKey, pinned);
    }
    const serverKey = pinned.key;
    const privateKey = createPrivateKey(identity.privateKey);
    let collectLogs: ActionHandler<'collect_logs'> | undefined;
    const socketUploads = options.collectLogs ? new SocketUploads() : undefined;
    if (socketUploads) {
      const agentDir = join(options.stateDir, 'agents', deviceId);
      const uploader = new LogUploader({
        stateDir: agentDir,
        serverUrl: options.server,
        deviceId,
        privateKey,
        log: agentLog,
        gzip: sharedGzip,
        released,
        socket: () => socketUploads.transport(),
      });
      uploaders.push(uploader);
      const collect = collectLogsHandler({
        stateDir: agentDir,
        staged: (runId) => uploader.enqueue(runId),
      });
      // Held: the run is reported only once its requests are compressed too, so a finished
      // run means this agent has nothing left to do but send.
      collectLogs = released
        ? async (action, ctx) => {
            const outcome = await collect(action, ctx);
            if (outcome.outcome === 'succeeded') {
              await uploader.prepare(ctx.runId).catch((err: unknown) => {
                agentLog.warn(`could not compress run ${ctx.runId} ahead: ${errorMessage(err)}`);
              });
            }
            return outcome;
          }
        : collect;
    }
    const runs = new SimRuns({
      collectLogs,
      deviceId,
      hostname,
      serverPublicKey: serverKey,
      verifiedBatches: pinned.verified,
      log: agentLog,
      onRun: (runId) => {
        stats.runs++;
        if (options.execLog) appendFileSync(options.execLog, `${runId}\n`);
      },
      onRejected: (reason) => stats.count(`run rejected ${reason}`),
    });
    const connection = new AgentConnection({
      serverUrl: options.server,
      identity: { deviceId, privateKey, serverPublicKey: serverKey },
      agentVersion: AGENT_VERSION,
      log: agentLog,
      gate,
      localAddress: options.bind.length
        ? options.bind[agents.length % options.bind.length]
        : undefined,
      onStateChange: stats.onStateChange,
      startSession: (session) =>
        combineSessions(
          startReporting(session, {
            collectInventory: () => Promise.resolve(fakeInventory(deviceId, hostname)),
            collectHeartbeat: () => Promise.resolve(metrics()),
            log: agentLog,
            // Spread over the interval: agents that came up together must not beat together.
            firstHeartbeatDelayMs: (interval) => Math.random() * interval,
            jitter: options.heartbeatJitter ? 0.1 : 0,
            onSent: (type) => (type === 'heartbeat' ? stats.heartbeats++ : stats.inventories++),
          }),
          runs.attach(session),
          ...(socketUploads ? [socketUploads.attach(session)] : []),
        ),
      onRevoked: () => {
        stats.revoked += 1;
        revoked.add(deviceId);
      },
    });
    agents.push(connection);
    connection.start();
  };

  const stop = options.until ?? untilSignal();
  const abort = new AbortController();
  // Every enrolling worker's request listens on it.
  setMaxListeners((options.enrollConcurrency ?? 20) + 10, abort.signal);
  const progress = setInterval(() => print(stats.line()), options.progressEveryMs ?? 5_000);
  print(
    `simulating ${options.count} agents against ${options.server}: ${reuse.length} reused from ${store.path}, ${missing} to enroll`,
  );
  reuse.forEach(launch);
  const enrolling =
    missing > 0 && token
      ? enrollMissing(missing, { ...options, token }, store, stats, abort.signal, launch, log)
      : Promise.resolve();

  const reason = await Promise.race([
    stop,
    enrolling.then(() =>
      options.enrollOnly
        ? stats.enrollFailed > 0
          ? 'enrollment incomplete'
          : 'enrolled'
        : agents.length === 0
          ? 'no agents'
          : stop,
    ),
  ]);
  stopping = true;
  abort.abort();
  clearInterval(progress);
  await enrolling;
  print(`${reason}: closing ${agents.length} connections`);
  await Promise.all(agents.map((a) => a.close()));
  await Promise.all(uploaders.map((u) => u.close()));
  await store
    .remove(revoked)
    .catch((err: unknown) => log.warn(`could not drop revoked identities: ${errorMessage(err)}`));
  print(stats.line());
  print(stats.summary());
  return reason === 'no agents' || reason === 'enrollment incomplete'
    ? ExitCode.FAILURE
    : ExitCode.OK;
}

/** Resolves the first time the process receives `signal` (installed at once: no default exit). */
function onceSignal(signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => process.once(signal, () => resolve()));
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * Enrolls `missing` new identities, a few at a time. Rate limits (429) and outages are retried
 * with exponential backoff and full jitter, never sooner than the server's Retry-After, until
 * the enrollment deadline; a refusal (bad or used-up token) stops every worker at once.
 */
async function enrollMissing(
  missing: number,
  options: SimulateOptions & { token: string },
  store: SimIdentityStore,
  stats: SimStats,
  signal: AbortSignal,
  launch: (identity: SimIdentity) => void,
  log: Logger,
): Promise<void> {
  const deadlineMs = options.enrollDeadlineMs ?? DEFAULT_ENROLL_DEADLINE_MS;
  const deadline = Date.now() + deadlineMs;
  let remaining = missing;
  let fatal: string | null = null;

  const enrollOne = async (): Promise<void> => {
    const keys = generateDeviceKeyPair();
    const hostname = `sim-${randomBytes(4).toString('hex')}`;
    const backoff = new Backoff({ capMs: 30_000, random: options.random });
    for (;;) {
      try {
        const result = await requestEnrollment(
          options.server,
          { token: options.token, publicKey: keys.publicKey, facts: fakeFacts(hostname) },
          options.fetchFn,
          signal,
        );
        const identity: SimIdentity = {
          deviceId: result.deviceId,
          hostname,
          serverUrl: options.server,
          privateKey: keys.privateKey,
          serverPublicKey: result.serverPublicKey,
          enrolledAt: new Date().toISOString(),
        };
        await store.append(identity).catch((err: unknown) => {
          stats.count('identity not saved');
          log.warn(`could not save identity ${result.deviceId}: ${errorMessage(err)}`);
        });
        stats.enrolled += 1;
        launch(identity);
        return;
      } catch (err) {
        const e = err instanceof EnrollError ? err : new EnrollError(errorMessage(err));
        stats.count(`enroll ${e.code ?? e.status ?? 'unreachable'}`);
        if (!e.retryable || signal.aborted) throw e;
        const delay = retryDelay(e, backoff);
        if (Date.now() + delay > deadline) throw new EnrollDeadlineError(deadlineMs, e);
        await sleep(delay, undefined, { signal });
      }
    }
  };

  const worker = async () => {
    while (remaining > 0 && !signal.aborted && !fatal) {
      remaining -= 1;
      try {
        await enrollOne();
      } catch (err) {
        if (signal.aborted) return;
        stats.enrollFailed += 1;
        const stopsAll =
          err instanceof EnrollDeadlineError || (err instanceof EnrollError && !err.retryable);
        if (stopsAll && !fatal) {
          fatal = errorMessage(err);
          log.error(`enrollment stopped: ${fatal}`);
        }
      }
    }
  };
  const workers = Math.min(options.enrollConcurrency ?? 20, missing);
  await Promise.all(Array.from({ length: workers }, worker));
  // Identities never attempted once enrollment stopped count as failed too.
  if (fatal) stats.enrollFailed += remaining;
}

/**
 * Not sooner than the server asked (Retry-After), plus a full-jitter backoff window so the
 * agents it turned away do not all come back in the same instant and trip the limit again.
 */
export function retryDelay(error: EnrollError, backoff: Backoff): number {
  const jitter = backoff.next();
  return error.retryAfterSeconds === undefined ? jitter : error.retryAfterSeconds * 1000 + jitter;
}

class EnrollDeadlineError extends Error {
  override name = 'EnrollDeadlineError';
  constructor(deadlineMs: number, last: EnrollError) {
    super(`gave up retrying after ${deadlineMs / 1000} s; last error: ${last.message}`);
  }
}

/** Warns before the OS limits that make large runs fail in confusing ways. */
function warnAboutLimits(options: SimulateOptions, log: Logger): void {
  if (process.platform !== 'linux') return;
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const soft = Number(/Max open files\s+(\d+)/.exec(limits)?.[1]);
    if (soft && soft < options.count + 100) {
      log.warn(
        `the open-file limit is ${soft}, too low for ${options.count} sockets; raise it first (ulimit -n ${options.count + 1000})`,
      );
    }
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    const ports = (high ?? 0) - (low ?? 0) + 1;
    const sources = Math.max(1, options.bind.length);
    if (ports > 0 && options.count > ports * sources) {
      log.warn(
        `${options.count} sockets need more than the ${ports} ephemeral ports of ${sources} source address(es); add addresses with --bind 127.0.0.2,127.0.0.3,…`,
      );
    }
  } catch {
    // Not fatal: the limits only make the warning possible.
  }
}
