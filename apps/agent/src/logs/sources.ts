import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import picomatch from 'picomatch';
import type { EventLogSource, JournaldLogSource } from '@fleetdesk/protocol';
import { toSlashes } from './policy';

/** Directory entries a glob may visit before it gives up (a glob over `/` is a mistake). */
export const GLOB_MAX_VISITS = 100_000;
export const GLOB_MAX_DEPTH = 32;

export const isGlob = (path: string): boolean => picomatch.scan(path).isGlob;

/**
 * The files a glob names, in sorted order, at most `limit`. Symlinked folders are not walked
 * into (a loop, or a way out of the tree); a symlinked file is returned like any file, and
 * the caller resolves and judges where it really points.
 */
export async function expandGlob(
  pattern: string,
  limit: number,
  platform: NodeJS.Platform = process.platform,
): Promise<{ files: string[]; capped: boolean }> {
  const slashed = toSlashes(pattern, platform);
  const { base } = picomatch.scan(slashed);
  const test = picomatch(slashed, { dot: true, nocase: platform === 'win32', windows: false });
  const files: string[] = [];
  let visits = 0;
  let capped = false;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > GLOB_MAX_DEPTH || capped) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (++visits > GLOB_MAX_VISITS || files.length >= limit) {
        capped = true;
        return;
      }
      const path = join(dir, entry.name);
      const slashedPath = toSlashes(path, platform);
      if (entry.isDirectory()) await walk(path, depth + 1);
      else if ((entry.isFile() || entry.isSymbolicLink()) && test(slashedPath)) files.push(path);
    }
  };
  const root = base === '' ? '.' : base;
  const info = await lstat(root).catch(() => null);
  if (info?.isDirectory()) await walk(root, 0);
  return { files, capped };
}

/**
 * journalctl's arguments, as an array (never a shell string). Times go as `@<epoch seconds>`
 * (journalctl rounds down, so `since` is widened by under a second and the agent's own time
 * filter makes the window exact); `short-iso-precise` gives every line a stamp that filter
 * understands.
 */
export function journalctlArgs(
  source: JournaldLogSource,
  options: { since?: number; until?: number; lastLines?: number },
): string[] {
  const args = ['--no-pager', '--quiet', '--output=short-iso-precise'];
  if (source.unit !== undefined) args.push(`--unit=${source.unit}`);
  if (source.priority !== undefined) args.push(`--priority=${source.priority}`);
  if (options.since !== undefined) args.push(`--since=@${Math.floor(options.since / 1000)}`);
  if (options.until !== undefined) args.push(`--until=@${Math.ceil(options.until / 1000)}`);
  if (options.lastLines !== undefined) args.push(`--lines=${options.lastLines}`);
  return args;
}

/**
 * The Windows Event Log query, for `wevtutil.exe` (built in since Vista): an XPath over the
 * level and time, text output, oldest first. Not run by the tests here (no Windows runner);
 * the arguments are checked by unit tests only.
 */
export function wevtutilArgs(
  source: EventLogSource,
  options: { since?: number; until?: number },
): string[] {
  const conditions: string[] = [];
  if (source.level !== undefined) conditions.push(`(Level>=1 and Level<=${source.level})`);
  const times: string[] = [];
  if (options.since !== undefined) {
    times.push(`@SystemTime>='${new Date(options.since).toISOString()}'`);
  }
  if (options.until !== undefined) {
    times.push(`@SystemTime<='${new Date(options.until).toISOString()}'`);
  }
  if (times.length > 0) conditions.push(`TimeCreated[${times.join(' and ')}]`);
  const query = conditions.length > 0 ? `*[System[${conditions.join(' and ')}]]` : '*';
  return ['qe', source.log, `/q:${query}`, '/f:text', '/rd:false'];
}
