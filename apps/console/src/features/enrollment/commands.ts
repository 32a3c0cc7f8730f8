/**
 * The copy-paste commands that install and enroll the agent, per OS. They follow the agent's
 * real CLI (apps/agent/src/cli.ts): `enroll --server --token --state-dir`, then
 * `install-service --state-dir`, which writes a systemd unit on Linux and prints the launchd
 * job (macOS) or the sc.exe commands (Windows). These are the manual way, with Node.js and the
 * fleetdesk-agent.js bundle copied onto the device; oneLiners() below is the usual one.
 */
export type InstallPlatform = 'linux' | 'macos' | 'windows';

export interface InstallGuide {
  platform: InstallPlatform;
  label: string;
  /** Where to paste the commands. */
  shell: string;
  commands: string;
  /** What to do after pasting, when the commands cannot finish the job alone. */
  after?: string;
}

/** POSIX single quotes: nothing inside is expanded. */
export const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * cmd.exe double quotes. The server origin and the token (fde_ + base64url) never contain
 * `"` or `%`; anything else is refused rather than half-quoted.
 */
export function cmdQuote(s: string): string {
  if (/["%^&|<>\r\n]/.test(s)) throw new Error(`cannot quote ${JSON.stringify(s)} for cmd.exe`);
  return `"${s}"`;
}

const LINUX_DIR = '/opt/fleetdesk';
const LINUX_STATE = '/var/lib/fleetdesk-agent';
const MAC_DIR = '/usr/local/fleetdesk';
const MAC_STATE = '/Library/Application Support/Fleetdesk';
const MAC_PLIST = '/Library/LaunchDaemons/com.fleetdesk.agent.plist';
const WIN_DIR = 'C:\\Program Files\\Fleetdesk';
const WIN_STATE = 'C:\\ProgramData\\Fleetdesk';

/**
 * `--server-key-sha256` makes the agent refuse, saving nothing, a server whose key is not this
 * one, so a man in the middle at first contact cannot get his own key pinned. The fingerprint is
 * 64 hex digits: safe unquoted in every shell below.
 */
export function installGuides(
  server: string,
  token: string,
  serverKeySha256: string,
): InstallGuide[] {
  if (!/^[0-9a-f]{64}$/.test(serverKeySha256)) {
    throw new Error(`not a server key fingerprint: ${JSON.stringify(serverKeySha256)}`);
  }
  const pin = `--server-key-sha256 ${serverKeySha256}`;
  const linuxAgent = `${LINUX_DIR}/fleetdesk-agent.js`;
  const macAgent = `${MAC_DIR}/fleetdesk-agent.js`;
  const winAgent = `${WIN_DIR}\\fleetdesk-agent.js`;
  // `$(command -v node)`: sudo's PATH often lacks a node installed by nvm or Homebrew, and
  // install-service records the node binary it runs under in the service definition.
  const node = 'sudo "$(command -v node)"';
  return [
    {
      platform: 'linux',
      label: 'Linux',
      shell: 'a terminal, in the folder where you copied fleetdesk-agent.js (systemd required)',
      commands: [
        'node --version   # needs v20.19 or newer',
        `sudo install -D -m 0755 fleetdesk-agent.js ${linuxAgent}`,
        `${node} ${linuxAgent} enroll --server ${shQuote(server)} --token ${shQuote(token)} ${pin} --state-dir ${LINUX_STATE}`,
        `${node} ${linuxAgent} install-service --state-dir ${LINUX_STATE}`,
        'systemctl status fleetdesk-agent --no-pager',
      ].join('\n'),
    },
    {
      platform: 'macos',
      label: 'macOS',
      shell: 'Terminal, in the folder where you copied fleetdesk-agent.js',
      commands: [
        'node --version   # needs v20.19 or newer',
        `sudo mkdir -p ${MAC_DIR}`,
        `sudo install -m 0755 fleetdesk-agent.js ${macAgent}`,
        `${node} ${macAgent} enroll --server ${shQuote(server)} --token ${shQuote(token)} ${pin} --state-dir ${shQuote(MAC_STATE)}`,
        '# install-service prints the launchd job for this machine: save it, then load it',
        `${node} ${macAgent} install-service --state-dir ${shQuote(MAC_STATE)} | sed -n '/^<?xml/,/^<\\/plist>/p' | sudo tee ${MAC_PLIST} >/dev/null`,
        `sudo launchctl bootstrap system ${MAC_PLIST}`,
      ].join('\n'),
    },
    {
      platform: 'windows',
      label: 'Windows',
      shell:
        'a Command Prompt (cmd.exe) run as administrator, in the folder where you copied fleetdesk-agent.js',
      commands: [
        'node --version',
        `if not exist ${cmdQuote(WIN_DIR)} mkdir ${cmdQuote(WIN_DIR)}`,
        `copy /Y fleetdesk-agent.js ${cmdQuote(winAgent)}`,
        `node ${cmdQuote(winAgent)} enroll --server ${cmdQuote(server)} --token ${cmdQuote(token)} ${pin} --state-dir ${cmdQuote(WIN_STATE)}`,
        `node ${cmdQuote(winAgent)} install-service --state-dir ${cmdQuote(WIN_STATE)}`,
      ].join('\n'),
      after:
        'The last command prints three sc.exe commands (create, failure, start) with the full paths of node.exe and the agent: run them in the same prompt. node.exe does not answer the Service Control Manager itself, so for production wrap the same command line with WinSW or NSSM, as the agent notes.',
    },
  ];
}

export interface OneLiner {
  platform: 'unix' | 'windows';
  label: string;
  /** Where to paste it. */
  shell: string;
  command: string;
}

/**
 * The one-line installs (the server's /install.sh and /install.ps1): the script downloads the
 * agent executable with the token, checks its SHA-256 and the server key, enrolls, and
 * starts the service. The origin, token (fde_ + base64url) and fingerprint are checked to be
 * plain, so each sits in single quotes in sh, cmd.exe's double quotes and PowerShell alike.
 */
export function oneLiners(
  server: string,
  token: string,
  serverKeySha256: string,
  insecure = false,
): OneLiner[] {
  if (!/^https?:\/\/[A-Za-z0-9.:[\]-]+$/.test(server)) {
    throw new Error(`not a server origin: ${JSON.stringify(server)}`);
  }
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('not an enrollment token');
  if (!/^[0-9a-f]{64}$/.test(serverKeySha256)) {
    throw new Error(`not a server key fingerprint: ${JSON.stringify(serverKeySha256)}`);
  }
  const unsafe = insecure ? ' --insecure' : '';
  return [
    {
      platform: 'unix',
      label: 'Linux and macOS',
      shell: 'a terminal (systemd on Linux, launchd on macOS)',
      command: `curl -fsSL '${server}/install.sh' | sudo sh -s -- --token '${token}' --server-key-sha256 ${serverKeySha256}${unsafe}`,
    },
    {
      platform: 'windows',
      label: 'Windows',
      shell: 'PowerShell run as administrator',
      command: `& ([scriptblock]::Create((irm '${server}/install.ps1'))) -Token '${token}' -ServerKeySha256 '${serverKeySha256}'${insecure ? ' -Insecure' : ''}`,
    },
  ];
}

/** Mirrors the agent's rule (apps/agent/src/server-url.ts): plain http only to this machine. */
export function agentRefusesPlainHttp(origin: string): boolean {
  const url = new URL(origin);
  if (url.protocol !== 'http:') return false;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return !(host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host));
}

/** The platform of the browser in use, as the tab to open first. */
export function guessPlatform(userAgent: string): InstallPlatform {
  if (/Windows/i.test(userAgent)) return 'windows';
  if (/Mac OS X|Macintosh/i.test(userAgent)) return 'macos';
  return 'linux';
}
