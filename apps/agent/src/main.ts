import { resolve } from 'node:path';
import { runAgent } from './agent';
import { parseCli, UsageError, USAGE, type Command } from './cli';
import { enrollCommand } from './enroll';
import { ExitCode } from './exit-codes';
import { consoleLogger, errorMessage } from './log';
import { agentProgram } from './runtime';
import { installService, uninstallService } from './service';
import { simulate } from './simulate';
import { currentStateDirContext, defaultStateDir } from './state';
import { runUpdateTrial } from './update/trial-mode';
import { AGENT_VERSION } from './version';

/** A whole number of milliseconds up to a minute, or none. */
function paceMs(raw: string | undefined): number | undefined {
  const n = Number(raw);
  return raw && Number.isInteger(n) && n >= 0 && n <= 60_000 ? n : undefined;
}

async function execute(command: Command): Promise<ExitCode> {
  const log = consoleLogger();
  const stateDir = (dir: string | undefined) =>
    resolve(dir ?? defaultStateDir(currentStateDirContext()));
  switch (command.kind) {
    case 'help':
      process.stdout.write(USAGE);
      return ExitCode.OK;
    case 'version':
      process.stdout.write(`${AGENT_VERSION}\n`);
      return ExitCode.OK;
    case 'enroll':
      return enrollCommand({ ...command, stateDir: stateDir(command.stateDir) }, log);
    case 'run':
      return runAgent(stateDir(command.stateDir), log, {
        maxConcurrentRuns: command.maxConcurrentRuns,
        logUploadPaceMs: paceMs(process.env.FLEETDESK_LOG_UPLOAD_PACE_MS),
        logUploadTransport: process.env.FLEETDESK_LOG_UPLOAD_TRANSPORT === 'http' ? 'http' : 'auto',
      });
    case 'update-trial':
      return runUpdateTrial(resolve(command.stateDir), command.runId, log);
    case 'simulate':
      return simulate({ ...command, stateDir: stateDir(command.stateDir) }, log);
    case 'install-service':
      return installService(
        {
          dryRun: command.dryRun,
          stateDir: stateDir(command.stateDir),
          program: agentProgram(),
          platform: process.platform,
          isRoot: process.getuid?.() === 0,
        },
        log,
      );
    case 'uninstall-service':
      return uninstallService(
        { platform: process.platform, isRoot: process.getuid?.() === 0 },
        log,
      );
  }
}

/**
 * Test builds only: a build whose version ends in `-exit-at-start` (FLEETDESK_AGENT_VERSION at
 * build time) fails at start-up, so the self-update's rollback is tried with a real executable
 * (test/agent-update.e2e-spec.ts). No release carries such a version.
 */
const EXIT_AT_START_SUFFIX = '-exit-at-start';

async function main(argv: string[]): Promise<ExitCode> {
  if (AGENT_VERSION.endsWith(EXIT_AT_START_SUFFIX) && argv[0] !== 'version') {
    process.stderr.write(`fleetdesk-agent ${AGENT_VERSION}: this test build exits at start-up\n`);
    return ExitCode.FAILURE;
  }
  let command: Command;
  try {
    command = parseCli(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`fleetdesk-agent: ${err.message}\n\n${USAGE}`);
    return ExitCode.USAGE;
  }
  return execute(command);
}

main(process.argv.slice(2)).then(
  // Exit explicitly: keep-alive sockets or a child still reading a package list must not
  // hold a stopping agent up.
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fleetdesk-agent: ${errorMessage(err)}`);
    process.exit(ExitCode.FAILURE);
  },
);
