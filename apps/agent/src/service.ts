import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { ExitCode } from './exit-codes';
import { errorMessage, type Logger } from './log';
import { loadIdentity, writeFileAtomic } from './state';

export const SERVICE_NAME = 'fleetdesk-agent';
export const SYSTEMD_UNIT_PATH = `/etc/systemd/system/${SERVICE_NAME}.service`;
export const LAUNCHD_LABEL = 'com.fleetdesk.agent';
export const LAUNCHD_PLIST_PATH = `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist`;
export const WINDOWS_SERVICE_NAME = 'FleetdeskAgent';

export interface ServiceTarget {
  /**
   * Absolute paths that start the agent (see agentProgram): the single-file executable, or
   * the node binary and the bundle it runs.
   */
  program: string[];
  stateDir: string;
}

const commandLine = (t: ServiceTarget) => [...t.program, 'run', '--state-dir', t.stateDir];

/** Quotes one ExecStart word; `%` and `$` would otherwise be expanded by systemd. */
export function systemdWord(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /[\s"'\\]/.test(escaped) ? `"${escaped.replace(/(["\\])/g, '\\$1')}"` : escaped;
}

export function systemdUnit(t: ServiceTarget): string {
  const exec = commandLine(t).map(systemdWord);
  return `[Unit]
Description=Fleetdesk agent (remote management)
Wants=network-online.target
After=network-online.target
# Keep retrying however long the server is away.
StartLimitIntervalSec=0

[Service]
Type=simple
ExecStart=${exec.join(' ')}
Restart=always
RestartSec=5
# 2 = not enrolled or broken state, 3 = revoked: restarting cannot help, only re-enrolling.
RestartPreventExitStatus=2 3
# The agent runs scripts and installs software as root by design, so the usual sandbox
# (ProtectSystem, ProtectHome, PrivateTmp, NoNewPrivileges, RestrictSUIDSGID, UMask) stays
# off: each would break admin work it is asked to do, e.g. NoNewPrivileges forbids the
# SELinux/AppArmor domain transitions rpm, dnf and passwd rely on. What remains cannot.
LockPersonality=yes
RestrictRealtime=yes
TimeoutStopSec=15

[Install]
WantedBy=multi-user.target
`;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function launchdPlist(t: ServiceTarget): string {
  const args = commandLine(t)
    .map((a) => `    <string>${xml(a)}</string>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
  <key>StandardOutPath</key>
  <string>/Library/Logs/fleetdesk-agent.log</string>
  <key>StandardErrorPath</key>
  <string>/Library/Logs/fleetdesk-agent.log</string>
</dict>
</plist>
`;
}

export function windowsCommands(t: ServiceTarget): string[] {
  const q = (s: string) => `\\"${s}\\"`;
  const binPath = `${t.program.map(q).join(' ')} run --state-dir ${q(t.stateDir)}`;
  return [
    `sc.exe create ${WINDOWS_SERVICE_NAME} binPath= "${binPath}" start= auto DisplayName= "Fleetdesk Agent"`,
    `sc.exe failure ${WINDOWS_SERVICE_NAME} reset= 86400 actions= restart/5000/restart/5000/restart/5000`,
    `sc.exe start ${WINDOWS_SERVICE_NAME}`,
  ];
}

export interface InstallOptions extends ServiceTarget {
  dryRun: boolean;
  platform: NodeJS.Platform;
  isRoot: boolean;
  /** Injected for tests. */
  run?: (command: string, args: string[]) => Promise<void>;
  writeFile?: (path: string, data: string, mode: number) => Promise<void>;
}

type Step = [string, string[]];

const SYSTEMCTL_STEPS: Step[] = [
  ['systemctl', ['daemon-reload']],
  ['systemctl', ['enable', '--now', SERVICE_NAME]],
];

/** bootout first: bootstrap refuses a label that is already loaded (re-install, new path). */
const LAUNCHCTL_STEPS: Step[] = [
  ['launchctl', ['bootout', `system/${LAUNCHD_LABEL}`]],
  ['launchctl', ['bootstrap', 'system', LAUNCHD_PLIST_PATH]],
];

const execFileAsync = promisify(execFile);
const defaultRun = async (command: string, args: string[]) => {
  await execFileAsync(command, args, { timeout: 60_000 });
};

/** Output for the user goes to stdout: it is what they asked to see. */
const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export async function installService(options: InstallOptions, log: Logger): Promise<ExitCode> {
  const enrolled = await loadIdentity(options.stateDir).then(
    (id) => id !== null,
    () => false,
  );
  if (!enrolled) {
    const message = `no usable identity in ${options.stateDir}: run enroll first, or the service will exit at once`;
    if (!options.dryRun) {
      log.error(message);
      return ExitCode.USAGE;
    }
    log.warn(message);
  }

  if (options.platform === 'linux') return installSystemd(options, log);
  if (options.platform === 'darwin') return installLaunchd(options, log);
  if (options.platform === 'win32') {
    print('# From an elevated prompt. The agent (node.exe inside) does not answer the Service');
    print('# Control Manager itself, so for production wrap the same command line with WinSW');
    print('# or NSSM, or let install.ps1 register it as a start-up task.');
    windowsCommands(options).forEach((c) => print(c));
    return ExitCode.OK;
  }
  log.error(
    `install-service does not support ${options.platform}; run the agent with: ${commandLine(options).join(' ')}`,
  );
  return ExitCode.FAILURE;
}

interface ServiceFlavour {
  path: string;
  text: string;
  steps: Step[];
  /** Steps whose failure is expected and harmless (launchctl bootout of what is not loaded). */
  mayFail?: Set<Step>;
  isRunning: () => boolean;
  runningHint: string;
}

function installSystemd(options: InstallOptions, log: Logger): Promise<ExitCode> {
  return installFlavour(
    options,
    {
      path: SYSTEMD_UNIT_PATH,
      text: systemdUnit(options),
      steps: SYSTEMCTL_STEPS,
      isRunning: () => existsSync('/run/systemd/system'),
      runningHint: 'systemd is not running on this machine; use --dry-run and adapt the unit',
    },
    log,
    `${SERVICE_NAME} is enabled and running; follow it with: journalctl -u ${SERVICE_NAME} -f`,
  );
}

function installLaunchd(options: InstallOptions, log: Logger): Promise<ExitCode> {
  return installFlavour(
    options,
    {
      path: LAUNCHD_PLIST_PATH,
      text: launchdPlist(options),
      steps: LAUNCHCTL_STEPS,
      mayFail: new Set([LAUNCHCTL_STEPS[0]]),
      isRunning: () => existsSync('/bin/launchctl'),
      runningHint: 'launchctl is missing; use --dry-run and adapt the property list',
    },
    log,
    `${LAUNCHD_LABEL} is loaded and running; its log is /Library/Logs/fleetdesk-agent.log`,
  );
}

async function installFlavour(
  options: InstallOptions,
  flavour: ServiceFlavour,
  log: Logger,
  done: string,
): Promise<ExitCode> {
  if (options.dryRun) {
    print(`# ${flavour.path}`);
    print(flavour.text);
    print('# then:');
    flavour.steps.forEach(([cmd, args]) => print([cmd, ...args].join(' ')));
    return ExitCode.OK;
  }
  if (!options.isRoot) {
    log.error('install-service must run as root (sudo); --dry-run shows what it would do');
    return ExitCode.FAILURE;
  }
  if (!options.run && !flavour.isRunning()) {
    log.error(flavour.runningHint);
    return ExitCode.FAILURE;
  }
  const write = options.writeFile ?? writeFileAtomic;
  const run = options.run ?? defaultRun;
  try {
    await write(flavour.path, flavour.text, 0o644);
    log.info(`wrote ${flavour.path}`);
    await runSteps(flavour.steps, flavour.mayFail, run, log);
  } catch (err) {
    log.error(`install-service failed: ${failure(err)}`);
    return ExitCode.FAILURE;
  }
  log.info(done);
  return ExitCode.OK;
}

async function runSteps(
  steps: Step[],
  mayFail: Set<Step> | undefined,
  run: (command: string, args: string[]) => Promise<void>,
  log: Logger,
): Promise<void> {
  for (const step of steps) {
    const [cmd, args] = step;
    try {
      await run(cmd, args);
      log.info(`ran ${[cmd, ...args].join(' ')}`);
    } catch (err) {
      if (!mayFail?.has(step)) throw err;
    }
  }
}

function failure(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  const detail = typeof stderr === 'string' && stderr.trim() ? `\n${stderr.trim()}` : '';
  return `${errorMessage(err)}${detail}`;
}

export interface UninstallOptions {
  platform: NodeJS.Platform;
  isRoot: boolean;
  /** Injected for tests. */
  run?: (command: string, args: string[]) => Promise<void>;
  removeFile?: (path: string) => Promise<void>;
  exists?: (path: string) => boolean;
}

/**
 * Stops and removes the service install-service made; a service that is not there is no
 * error, so an uninstall can be repeated. The binary and the state are the caller's to
 * remove (install.sh --uninstall does).
 */
export async function uninstallService(options: UninstallOptions, log: Logger): Promise<ExitCode> {
  const flavour =
    options.platform === 'linux'
      ? {
          path: SYSTEMD_UNIT_PATH,
          stop: [['systemctl', ['disable', '--now', SERVICE_NAME]]] as Step[],
          after: [['systemctl', ['daemon-reload']]] as Step[],
        }
      : options.platform === 'darwin'
        ? {
            path: LAUNCHD_PLIST_PATH,
            stop: [['launchctl', ['bootout', `system/${LAUNCHD_LABEL}`]]] as Step[],
            after: [] as Step[],
          }
        : undefined;
  if (!flavour) {
    log.error(`uninstall-service does not support ${options.platform}`);
    return ExitCode.FAILURE;
  }
  const exists = options.exists ?? existsSync;
  if (!exists(flavour.path)) {
    log.info(`no service installed (${flavour.path} does not exist)`);
    return ExitCode.OK;
  }
  if (!options.isRoot) {
    log.error('uninstall-service must run as root (sudo)');
    return ExitCode.FAILURE;
  }
  const run = options.run ?? defaultRun;
  const removeFile = options.removeFile ?? ((path: string) => unlink(path));
  try {
    // Stopping what is not running is fine: the unit file is what says it is installed.
    await runSteps(flavour.stop, new Set(flavour.stop), run, log);
    await removeFile(flavour.path);
    log.info(`removed ${flavour.path}`);
    await runSteps(flavour.after, undefined, run, log);
  } catch (err) {
    log.error(`uninstall-service failed: ${failure(err)}`);
    return ExitCode.FAILURE;
  }
  return ExitCode.OK;
}
