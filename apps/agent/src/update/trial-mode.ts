import { AgentConnection } from '../connection';
import { ExitCode } from '../exit-codes';
import { errorMessage, type Logger } from '../log';
import { loadIdentity, writeFileAtomic } from '../state';
import { AGENT_VERSION } from '../version';
import { trialMarkerPath, type TrialMarker } from './trial';

/** The parent kills a trial long before this; it only keeps an orphan from lingering. */
const SELF_DEADLINE_MS = 15 * 60_000;

/**
 * `update-trial`: the new binary during a self-update. Connect and authenticate as the device
 * (on trial: the server sends no work), prove it by writing the marker the old agent waits
 * for, then leave. Touches nothing else in the state directory: the journal and outbox
 * belong to the agent that started it.
 */
export async function runUpdateTrial(
  stateDir: string,
  runId: string,
  log: Logger,
): Promise<ExitCode> {
  const identity = await loadIdentity(stateDir).catch((err: unknown) => {
    log.error(`cannot load the identity in ${stateDir}: ${errorMessage(err)}`);
    return null;
  });
  if (!identity) return ExitCode.USAGE;
  log.info(`fleetdesk-agent ${AGENT_VERSION} on trial as device ${identity.deviceId}`);
  return new Promise<ExitCode>((resolve) => {
    let done = false;
    const finish = (code: ExitCode) => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      void connection.close().then(() => resolve(code));
    };
    const deadline = setTimeout(() => {
      log.error('gave up: no connection to the server');
      finish(ExitCode.FAILURE);
    }, SELF_DEADLINE_MS);
    const connection = new AgentConnection({
      serverUrl: identity.serverUrl,
      identity,
      agentVersion: AGENT_VERSION,
      trial: true,
      log,
      startSession: () => {
        const marker: TrialMarker = { version: AGENT_VERSION, at: Date.now() };
        writeFileAtomic(trialMarkerPath(stateDir, runId), `${JSON.stringify(marker)}\n`).then(
          () => {
            log.info('connected and authenticated; the trial succeeded');
            finish(ExitCode.OK);
          },
          (err: unknown) => {
            log.error(`cannot write the trial marker: ${errorMessage(err)}`);
            finish(ExitCode.FAILURE);
          },
        );
        return { close: () => undefined };
      },
      onRevoked: () => finish(ExitCode.REVOKED),
    });
    connection.start();
  });
}
