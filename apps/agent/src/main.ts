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
import { AGENT_VERSION } from './version';

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
      });
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

async function main(argv: string[]): Promise<ExitCode> {
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
