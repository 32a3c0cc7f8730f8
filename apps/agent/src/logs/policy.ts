import picomatch from 'picomatch';

export type PolicyVerdict =
  { ok: true } | { ok: false; reason: 'denied' | 'not_allowed'; message: string };

export interface PathPolicy {
  /** Judges a path that is already resolved (realpath): no symlink, `..` or short name left. */
  check(realPath: string): PolicyVerdict;
}

/**
 * `/` separators on every OS, so one glob list serves all: `C:\Logs\a.log` is judged as
 * `C:/Logs/a.log`. Windows paths compare case-insensitively, as the file system does.
 */
export const toSlashes = (path: string, platform: NodeJS.Platform): string =>
  platform === 'win32' ? path.replace(/\\/g, '/') : path;

/**
 * The admin's allow- and deny-lists as sent (signed) with the action, plus the agent's own
 * state directory, always denied: it holds the device key. Deny wins over allow; a path no
 * allow glob matches is refused too. `dot: true` so `**` also walks into `.ssh`-like folders:
 * a deny glob that skipped dot folders would let them through.
 */
export function pathPolicy(options: {
  allow: readonly string[];
  deny: readonly string[];
  /** realpath of the agent's state directory. */
  ownStateDir: string;
  platform?: NodeJS.Platform;
}): PathPolicy {
  const platform = options.platform ?? process.platform;
  const nocase = platform === 'win32';
  const compile = (globs: readonly string[]) =>
    globs.map((glob) => ({
      glob,
      test: picomatch(toSlashes(glob, platform), { dot: true, nocase, windows: false }),
    }));
  const allow = compile(options.allow);
  const deny = compile(options.deny);
  const own = toSlashes(options.ownStateDir, platform).replace(/\/+$/, '');
  const same = (a: string, b: string) => (nocase ? a.toLowerCase() === b.toLowerCase() : a === b);
  return {
    check(realPath) {
      const path = toSlashes(realPath, platform);
      if (same(path, own) || same(path.slice(0, own.length + 1), `${own}/`)) {
        return {
          ok: false,
          reason: 'denied',
          message: `${realPath} is inside the agent's own state directory`,
        };
      }
      const denied = deny.find((d) => d.test(path));
      if (denied) {
        return { ok: false, reason: 'denied', message: `${realPath} matches deny ${denied.glob}` };
      }
      if (!allow.some((a) => a.test(path))) {
        return {
          ok: false,
          reason: 'not_allowed',
          message: `${realPath} matches no allowed path glob`,
        };
      }
      return { ok: true };
    },
  };
}
