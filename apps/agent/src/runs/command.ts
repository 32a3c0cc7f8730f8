import type { ScriptLanguage } from '@fleetdesk/protocol';

/** The script file's name in the run's temp dir; PowerShell and cmd insist on the extension. */
export const SCRIPT_FILE_NAMES: { readonly [L in ScriptLanguage]: string } = {
  bash: 'script.sh',
  sh: 'script.sh',
  powershell: 'script.ps1',
  python: 'script.py',
  node: 'script.js',
  cmd: 'script.cmd',
};

export interface ScriptCommand {
  file: string;
  args: string[];
  /** cmd.exe parses its own command line; Node's quoting would break it. */
  windowsVerbatimArguments?: boolean;
}

export interface CommandContext {
  platform: NodeJS.Platform;
  /** The node binary, for `node` scripts: the one running the agent. */
  execPath: string;
}

/**
 * How to run a script file: never through a shell, so `args` reach the script as argv
 * entries exactly as sent. Returns an error message when the language cannot run here.
 */
export function scriptCommand(
  language: ScriptLanguage,
  scriptPath: string,
  args: readonly string[],
  ctx: CommandContext,
): ScriptCommand | { error: string } {
  const windows = ctx.platform === 'win32';
  switch (language) {
    case 'bash':
      return { file: 'bash', args: [scriptPath, ...args] };
    case 'sh':
      return { file: 'sh', args: [scriptPath, ...args] };
    case 'python':
      return { file: windows ? 'python' : 'python3', args: [scriptPath, ...args] };
    case 'node':
      return { file: ctx.execPath, args: [scriptPath, ...args] };
    case 'powershell':
      return windows
        ? {
            file: 'powershell.exe',
            args: [
              '-NoProfile',
              '-NonInteractive',
              '-ExecutionPolicy',
              'Bypass',
              '-File',
              scriptPath,
              ...args,
            ],
          }
        : { file: 'pwsh', args: ['-NoProfile', '-NonInteractive', '-File', scriptPath, ...args] };
    case 'cmd':
      if (!windows) {
        return { error: `cmd scripts run only on Windows; this device runs ${ctx.platform}` };
      }
      // cmd.exe re-parses everything after /c with its own rules (& | < > ^ %), so no
      // argument could be passed safely: cmd scripts take parameters from the environment.
      if (args.length > 0) {
        return {
          error:
            'cmd scripts cannot take arguments safely; pass parameters as environment variables',
        };
      }
      // /s strips the outer quotes and keeps the inner ones: a temp path may hold spaces.
      return {
        file: 'cmd.exe',
        args: ['/d', '/s', '/c', `""${scriptPath}""`],
        windowsVerbatimArguments: true,
      };
  }
}
