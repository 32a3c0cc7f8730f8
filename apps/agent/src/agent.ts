import { AgentConnection } from './connection';
import { ExitCode } from './exit-codes';
import { collectHeartbeat } from './heartbeat';
import { InventorySource } from './inventory';
import { errorMessage, type Logger } from './log';
import { startReporting } from './reporter';
import { loadIdentity, StateError } from './state';
import { AGENT_VERSION } from './version';

/** `run`: stay connected until revoked (exit 3) or told to stop by SIGTERM/SIGINT (exit 0). */
export async function runAgent(stateDir: string, log: Logger): Promise<ExitCode> {
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
  const inventory = new InventorySource(log);
  return new Promise<ExitCode>((resolve) => {
    const connection = new AgentConnection({
      serverUrl: identity.serverUrl,
      identity,
      agentVersion: AGENT_VERSION,
      log,
      startSession: (session) =>
        startReporting(session, { collectInventory: inventory.get, collectHeartbeat, log }),
      onRevoked: () => finish(ExitCode.REVOKED),
    });

    const onSignal = (signal: NodeJS.Signals) => {
      log.info(`${signal} received; closing the connection`);
      connection.close().then(
        () => finish(ExitCode.OK),
        (err: unknown) => {
          log.error(`error while closing: ${errorMessage(err)}`);
          finish(ExitCode.OK);
        },
      );
    };
    const finish = (code: ExitCode) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      inventory.close();
      resolve(code);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    connection.start();
  });
}
