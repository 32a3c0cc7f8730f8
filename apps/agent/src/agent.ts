import { join } from 'node:path';
import { AgentChecks } from './checks/checks';
import { AgentWebChecks } from './web-checks/web-checks';
import { AgentConnection, combineSessions } from './connection';
import { ExitCode } from './exit-codes';
import { AgentFollows } from './follow/follows';
import { collectHeartbeat } from './heartbeat';
import { InventorySource } from './inventory';
import { errorMessage, type Logger } from './log';
import { startReporting } from './reporter';
import { listDirHandler } from './files/list-dir';
import { fetchFileHandler } from './transfers/fetch';
import { pushFileHandler } from './transfers/push';
import { collectLogsHandler } from './logs/collect';
import { searchLogsHandler } from './logs/search';
import { SocketUploads } from './logs/transport';
import { LogUploader } from './logs/uploader';
import { RunManager } from './runs/runs';
import { isSingleExecutable } from './runtime';
import { loadIdentity, StateError } from './state';
import { agentUpdateHandler } from './update/agent-update';
import { fetchInstaller } from './packages/installer';
import { softwareActionHandler } from './packages/software-action';
import { agentPlatformOf } from './update/build-check';
import { startDetached, underServiceManager } from './update/handover';
import { AGENT_VERSION } from './version';

export interface RunAgentOptions {
  /** Runs executing at once; the rest wait in memory. */
  maxConcurrentRuns?: number;
  /** A pause between log upload chunks (FLEETDESK_LOG_UPLOAD_PACE_MS). */
  logUploadPaceMs?: number;
  /**
   * `http` sends log uploads over HTTPS even when the socket could take them
   * (FLEETDESK_LOG_UPLOAD_TRANSPORT=http; default: the socket when the server speaks protocol 7).
   */
  logUploadTransport?: 'auto' | 'http';
}

/** `run`: stay connected until revoked (exit 3) or told to stop by SIGTERM/SIGINT (exit 0). */
/**
 * A full garbage collection after each report, where the runtime allows it (the executables
 * start with --expose-gc). The agent idles between reports, and V8 would otherwise let the
 * old generation grow with each heartbeat's garbage for minutes before it collects: a few
 * milliseconds every 30 s keep the idle agent's memory flat (BENCHMARKS.md, agent footprint).
 */
const compactHeap = (): void => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) setImmediate(gc);
};

export async function runAgent(
  stateDir: string,
  log: Logger,
  options: RunAgentOptions = {},
): Promise<ExitCode> {
  let identity;
  try {
    identity = await loadIdentity(stateDir);
  } catch (err) {
    if (!(err instanceof StateError)) throw err;
    log.error(err.message);
    return ExitCode.USAGE;
  }
  if (!identity) {
    log.error(
      `this machine is not enrolled (no identity in ${stateDir}); run: fleetdesk-agent enroll --server URL --token TOKEN --state-dir ${stateDir}`,
    );
    return ExitCode.USAGE;
  }

  log.info(`fleetdesk-agent ${AGENT_VERSION} starting as device ${identity.deviceId}`);
  // Only a single-file executable can replace itself; `node bundle.js` belongs to whoever
  // installed node and the bundle.
  const executable = isSingleExecutable() ? process.execPath : null;
  // Late-bound: the update handler needs the connection and the stop routine made below.
  const control = {
    suspend: (): Promise<void> => Promise.resolve(),
    resume: (): void => undefined,
    handOver: (): void => undefined,
  };
  const inventory = new InventorySource(log);
  const checks = new AgentChecks({
    deviceId: identity.deviceId,
    serverPublicKey: identity.serverPublicKey,
    log,
  });
  const webChecks = new AgentWebChecks({
    deviceId: identity.deviceId,
    serverPublicKey: identity.serverPublicKey,
    log,
  });
  // Threshold checks read the heartbeat's own figures: measured once, judged by every check.
  const heartbeatWithChecks = async () => {
    const body = await collectHeartbeat();
    checks.onHeartbeat(body);
    return body;
  };
  const follows = new AgentFollows({
    deviceId: identity.deviceId,
    serverPublicKey: identity.serverPublicKey,
    stateDir,
    log,
  });
  const listDir = listDirHandler({
    deviceId: identity.deviceId,
    serverPublicKey: identity.serverPublicKey,
    stateDir,
    log,
  });
  let reporter: ReturnType<typeof startReporting> | null = null;
  const socketUploads = new SocketUploads();
  const uploader = new LogUploader({
    stateDir,
    serverUrl: identity.serverUrl,
    deviceId: identity.deviceId,
    privateKey: identity.privateKey,
    log,
    paceMs: options.logUploadPaceMs,
    ...(options.logUploadTransport === 'http'
      ? {}
      : { socket: () => socketUploads.transport(), released: socketUploads.ready(10_000) }),
  });
  let runs: RunManager;
  try {
    runs = await RunManager.open({
      stateDir,
      deviceId: identity.deviceId,
      serverPublicKey: identity.serverPublicKey,
      log,
      maxConcurrentRuns: options.maxConcurrentRuns,
      actions: {
        agent_update: agentUpdateHandler({
          stateDir,
          serverUrl: identity.serverUrl,
          deviceId: identity.deviceId,
          privateKey: identity.privateKey,
          serverPublicKey: identity.serverPublicKey,
          currentVersion: AGENT_VERSION,
          platform: agentPlatformOf(process.platform, process.arch),
          executable,
          suspendConnection: () => control.suspend(),
          resumeConnection: () => control.resume(),
          handOver: () => control.handOver(),
        }),
        software: softwareActionHandler({
          fetchInstaller: (installer) =>
            fetchInstaller({
              serverUrl: identity.serverUrl,
              deviceId: identity.deviceId,
              privateKey: identity.privateKey,
              installer,
              dir: join(stateDir, 'installers'),
            }),
          onChanged: () => {
            inventory.invalidate();
            reporter?.sendInventory();
          },
        }),
        collect_logs: collectLogsHandler({
          stateDir,
          staged: (runId) => uploader.enqueue(runId),
        }),
        fetch_file: fetchFileHandler({
          stateDir,
          staged: (runId) => uploader.enqueue(runId),
        }),
        search_logs: searchLogsHandler({
          stateDir,
          serverUrl: identity.serverUrl,
          deviceId: identity.deviceId,
          privateKey: identity.privateKey,
        }),
        push_file: pushFileHandler({
          stateDir,
          serverUrl: identity.serverUrl,
          deviceId: identity.deviceId,
          privateKey: identity.privateKey,
        }),
      },
    });
  } catch (err) {
    // Without the journal, no run could be kept from running twice: better not to start.
    log.error(`cannot open the run journal in ${stateDir}: ${errorMessage(err)}`);
    return ExitCode.FAILURE;
  }
  // Bundles staged before a restart continue from the server's last acknowledged chunk.
  await uploader
    .start()
    .catch((err: unknown) => log.error(`cannot read the staged log bundles: ${errorMessage(err)}`));
  return new Promise<ExitCode>((resolve) => {
    const connect = () =>
      new AgentConnection({
        serverUrl: identity.serverUrl,
        identity,
        agentVersion: AGENT_VERSION,
        log,
        startSession: (session) => {
          reporter = startReporting(session, {
            collectInventory: inventory.get,
            collectHeartbeat: heartbeatWithChecks,
            onSent: compactHeap,
            log,
          });
          const checkReports = checks.attach(session);
          const webCheckReports = webChecks.attach(session);
          return combineSessions(
            reporter,
            runs.attach(session),
            follows.attach(session),
            socketUploads.attach(session),
            {
              close: () => {
                checkReports.close();
                webCheckReports.close();
              },
              onWebChecks: (body) => {
                webChecks.configure(body);
              },
              onChecks: (body) => {
                // A threshold check gets its first verdict from the next heartbeat.
                checks.configure(body);
              },
              // Answered on the session that asked; if it closed meanwhile, the answer is dropped
              // and the server's request times out (the technician asks again).
              onListDir: (body) =>
                void listDir(body).then((answer) => session.send('dir_listing', answer)),
            },
          );
        },
        onRevoked: () => void finish(ExitCode.REVOKED),
      });
    let connection = connect();
    control.suspend = () => {
      log.info('closing the connection while a new agent version is on trial');
      return connection.close();
    };
    control.resume = () => {
      if (finishing) return;
      log.info('keeping this version; reconnecting');
      connection = connect();
      connection.start();
    };
    control.handOver = () => {
      const managed = underServiceManager(process.env);
      void finish(managed ? ExitCode.UPDATED : ExitCode.OK, () => {
        if (managed) {
          log.info('exiting so the service manager starts the new version');
          return;
        }
        const pid = startDetached(executable ?? process.execPath, process.argv.slice(2));
        log.info(`started the new version as pid ${pid ?? 'unknown'}`);
      });
    };

    const onSignal = (signal: NodeJS.Signals) => {
      log.info(`${signal} received; stopping runs and closing the connection`);
      void finish(ExitCode.OK);
    };
    let finishing = false;
    const finish = async (code: ExitCode, afterStop?: () => void) => {
      if (finishing) return;
      finishing = true;
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      // Runs first, while the socket may still carry their results; then the socket.
      try {
        await follows.close();
        await runs.close();
        await uploader.close();
        await connection.close();
      } catch (err) {
        log.error(`error while stopping: ${errorMessage(err)}`);
      }
      inventory.close();
      checks.close();
      webChecks.close();
      // Only once this process let go of the journal and outbox, another may take them.
      try {
        afterStop?.();
      } catch (err) {
        log.error(`could not start the new version: ${errorMessage(err)}`);
      }
      resolve(code);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    connection.start();
  });
}
