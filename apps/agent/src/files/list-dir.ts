import type { KeyObject } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, opendir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DIR_LIMITS,
  type DirEntry,
  type DirEntryType,
  type DirListingBody,
  type DirRefusal,
  dirListing,
  formatPath,
  type ListDirBody,
  listDirSigningPayload,
  MAX_FRAME_BYTES,
  verifyPayload,
} from '@fleetdesk/protocol';
import { errorMessage, type Logger } from '../log';
import { pathPolicy } from '../logs/policy';

export interface ListDirDeps {
  deviceId: string;
  serverPublicKey: KeyObject;
  stateDir: string;
  log: Logger;
  platform?: NodeJS.Platform;
  now?: () => number;
}

/**
 * A request is refused this long after its expiry, not at once: the window the server signs
 * is a minute, and a device clock a few minutes off must still be able to browse. A replay
 * inside that time is refused by the request ids remembered below.
 */
export const CLOCK_ALLOWANCE_MS = 5 * 60_000;
/** Request ids answered recently: more than fit in the allowance at any sane request rate. */
const REMEMBERED = 1024;
/** Room the envelope around the body takes, with a margin. */
const ENVELOPE_BYTES = 512;

/**
 * Answers the file browser's `list_dir`: checks the server's signature (it carries the
 * admin's lists), the device and the time, then lists. Always answers with the request id,
 * so the server can tell the technician why nothing came back.
 */
export function listDirHandler(deps: ListDirDeps): (body: ListDirBody) => Promise<DirListingBody> {
  const now = deps.now ?? Date.now;
  const answered = new Set<string>();
  return async (body) => {
    const refuse = (reason: DirRefusal, message: string) =>
      refusal(body.requestId, body.path, reason, message);
    if (body.deviceId !== deps.deviceId) {
      deps.log.warn(`refused a listing for device ${body.deviceId}`, 'list_dir other device');
      return refuse('denied', `the request is for device ${body.deviceId}, not this one`);
    }
    const { signature, ...signed } = body;
    if (!verifyPayload(deps.serverPublicKey, listDirSigningPayload(signed), signature)) {
      deps.log.warn('refused a listing request not signed by the server', 'list_dir bad signature');
      return refuse('denied', 'the request is not signed by the server key pinned at enrollment');
    }
    if (now() > body.expiresAt + CLOCK_ALLOWANCE_MS) {
      return refuse('denied', 'the request has expired (is this device clock right?)');
    }
    if (answered.has(body.requestId)) {
      return refuse('denied', 'this request was already answered');
    }
    if (answered.size >= REMEMBERED) answered.delete(answered.values().next().value as string);
    answered.add(body.requestId);
    let answer: DirListingBody;
    try {
      answer = await listDirectory(body, deps);
    } catch (err) {
      answer = refuse('failed', errorMessage(err));
    }
    // What the wire refuses (a resolved path past its length limit, say) is said, not dropped.
    const check = dirListing(answer);
    return check.ok
      ? answer
      : refuse('failed', `the answer cannot be sent: ${formatPath(check.path)} ${check.reason}`);
  };
}

const refusal = (
  requestId: string,
  path: string,
  reason: DirRefusal,
  message: string,
): DirListingBody => ({
  requestId,
  path,
  entries: [],
  total: 0,
  truncated: false,
  error: { reason, message: message.slice(0, 1024) },
});

const typeOf = (info: Stats): DirEntryType =>
  info.isSymbolicLink() ? 'symlink' : info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';

/**
 * Lists one directory. The asked path is resolved (symlinks, `..`, short names) and judged
 * by the same path policy as a log collection before it is opened. Entries are never
 * followed: a symlink is listed as one, judged by where it leads (so a link out of the
 * allowed tree is marked refused, and entering it is judged again as its own listing).
 * Refused entries keep their name and type, nothing more. Sorted by name; at most
 * `maxEntries` are described, the rest counted (`total`, up to DIR_LIMITS.countLimit).
 */
export async function listDirectory(
  req: Pick<ListDirBody, 'requestId' | 'path' | 'maxEntries' | 'allow' | 'deny'>,
  deps: Pick<ListDirDeps, 'stateDir' | 'platform'>,
): Promise<DirListingBody> {
  const platform = deps.platform ?? process.platform;
  const refuse = (path: string, reason: DirRefusal, message: string) =>
    refusal(req.requestId, path, reason, message);
  const ownStateDir = await realpath(deps.stateDir).catch(() => deps.stateDir);
  const policy = pathPolicy({ allow: req.allow, deny: req.deny, ownStateDir, platform });
  let real: string;
  try {
    real = await realpath(req.path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') return refuse(req.path, 'not_found', `${req.path} does not exist`);
    if (code === 'ENOTDIR') return refuse(req.path, 'not_a_dir', `${req.path} is not a folder`);
    return refuse(req.path, 'failed', errorMessage(err));
  }
  const verdict = policy.check(real);
  if (!verdict.ok) return refuse(real, verdict.reason, verdict.message);
  // `real` has no symlink left in it: stat and lstat agree.
  if (!(await stat(real)).isDirectory())
    return refuse(real, 'not_a_dir', `${real} is not a folder`);

  const names: string[] = [];
  let total = 0;
  const dir = await opendir(real);
  for await (const entry of dir) {
    total += 1;
    if (names.length < DIR_LIMITS.countLimit) names.push(entry.name);
    // Past the count limit the rest are not read: a huge folder costs no more than this.
    if (total >= DIR_LIMITS.countLimit) break;
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  const entries: DirEntry[] = [];
  for (const name of names) {
    if (entries.length >= req.maxEntries) break;
    const path = join(real, name);
    let info: Stats;
    try {
      info = await lstat(path);
    } catch {
      // Gone between readdir and lstat: it no longer is an entry.
      total -= 1;
      continue;
    }
    const type = typeOf(info);
    // A symlink is judged by where it leads; a dangling one by its own path.
    const judged = type === 'symlink' ? await realpath(path).catch(() => path) : path;
    const entryVerdict = policy.check(judged);
    const entry: DirEntry = entryVerdict.ok
      ? { name, type, size: info.size, mtime: Math.round(info.mtimeMs), mode: info.mode & 0o177777 }
      : { name, type, refused: entryVerdict.reason };
    // A name the wire cannot carry (not storable text) is left out and counted as such.
    if (!dirListing({ ...emptyListing(req.requestId, real), entries: [entry], total: 1 }).ok) {
      total -= 1;
      continue;
    }
    entries.push(entry);
  }
  return fitFrame({
    requestId: req.requestId,
    path: real,
    entries,
    total,
    truncated: total > entries.length,
  });
}

const emptyListing = (requestId: string, path: string): DirListingBody => ({
  requestId,
  path,
  entries: [],
  total: 0,
  truncated: false,
});

/** Drops entries from the end until the answer fits one frame (long names can add up). */
function fitFrame(body: DirListingBody): DirListingBody {
  let { entries } = body;
  while (
    entries.length > 0 &&
    Buffer.byteLength(JSON.stringify({ ...body, entries })) + ENVELOPE_BYTES > MAX_FRAME_BYTES
  ) {
    entries = entries.slice(0, Math.floor(entries.length * 0.9));
  }
  return { ...body, entries, truncated: body.total > entries.length };
}
