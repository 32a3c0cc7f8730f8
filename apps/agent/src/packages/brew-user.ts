import { realpath, stat } from 'node:fs/promises';
import { lines } from './common';
import { runPackageCommand, type RunCommandOptions } from './executor';
import type { RunAs } from './types';

// Homebrew will not run as root ("Running Homebrew as root is extremely dangerous and no
// longer supported"), and the agent runs as root. So brew runs as the user who owns the brew
// installation, with that user's HOME, as an admin would run it by hand. When that is not
// possible — the installation belongs to root, or the agent is not root and the owner is
// someone else — brew is not run at all and the reason says what to fix.

/** Where Homebrew installs itself: Apple silicon, Intel macOS, Linux. */
export const BREW_LOCATIONS = [
  '/opt/homebrew/bin/brew',
  '/usr/local/bin/brew',
  '/home/linuxbrew/.linuxbrew/bin/brew',
];

export interface BrewUserDeps {
  /** The agent's uid (process.getuid()). */
  uid: number;
  candidates: readonly string[];
  realpath(path: string): Promise<string>;
  stat(path: string): Promise<{ uid: number; gid: number }>;
  lookupUser(uid: number): Promise<{ user: string; home: string } | null>;
}

export type BrewResolution = { file: string; runAs?: RunAs } | { error: string };

/** Finds brew and who must run it. */
export async function resolveBrew(deps: BrewUserDeps): Promise<BrewResolution> {
  for (const candidate of deps.candidates) {
    let file: string;
    let owner: { uid: number; gid: number };
    try {
      file = await deps.realpath(candidate);
      owner = await deps.stat(file);
    } catch {
      continue;
    }
    if (owner.uid === deps.uid && deps.uid !== 0) return { file: candidate };
    if (owner.uid === 0) {
      return {
        error: `the Homebrew installation at ${file} is owned by root, and brew refuses to run as root; give it to the administrator account that uses it (chown -R) so the agent can run brew as that user`,
      };
    }
    if (deps.uid !== 0) {
      return {
        error: `the Homebrew installation at ${file} belongs to uid ${owner.uid}, and the agent runs as uid ${deps.uid} without the right to switch users; run the agent as root or as that user`,
      };
    }
    const user = await deps.lookupUser(owner.uid);
    if (!user) {
      return {
        error: `the Homebrew installation at ${file} belongs to uid ${owner.uid}, which has no user account to run brew as`,
      };
    }
    return { file: candidate, runAs: { uid: owner.uid, gid: owner.gid, ...user } };
  }
  return { error: 'brew was not found on this device' };
}

/** `getent passwd <uid>`: "name:x:uid:gid:gecos:home:shell". */
export function parseGetentPasswd(out: string): { user: string; home: string } | null {
  const [user = '', , , , , home = ''] = (lines(out)[0] ?? '').split(':');
  return user && home ? { user, home } : null;
}

/** macOS `dscacheutil -q user -a uid <uid>`: "name: alice" … "dir: /Users/alice". */
export function parseDscacheutil(out: string): { user: string; home: string } | null {
  const field = (key: string) =>
    lines(out)
      .find((l) => l.startsWith(`${key}: `))
      ?.slice(key.length + 2)
      .trim() ?? '';
  const user = field('name');
  const home = field('dir');
  return user && home ? { user, home } : null;
}

/** The real dependencies: the file system, and the OS's user database. */
export function systemBrewUserDeps(options: RunCommandOptions = {}): BrewUserDeps {
  const platform = options.platform ?? process.platform;
  return {
    uid: process.getuid?.() ?? -1,
    candidates: BREW_LOCATIONS,
    realpath: (p) => realpath(p),
    stat: (p) => stat(p),
    lookupUser: async (uid) => {
      const darwin = platform === 'darwin';
      const result = await runPackageCommand(
        darwin
          ? {
              file: 'dscacheutil',
              args: ['-q', 'user', '-a', 'uid', String(uid)],
              env: {},
              exitCodes: {},
            }
          : { file: 'getent', args: ['passwd', String(uid)], env: {}, exitCodes: {} },
        { ...options, timeoutMs: 30_000, lockWaitMs: 0 },
      );
      if (result.meaning !== 'ok') return null;
      return darwin ? parseDscacheutil(result.stdout) : parseGetentPasswd(result.stdout);
    },
  };
}
