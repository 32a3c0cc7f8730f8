import { createHash, type KeyObject } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  chmod,
  chown,
  link,
  lstat,
  mkdir,
  open,
  readFile,
  realpath,
  rename,
  rm,
  stat,
  unlink,
} from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import {
  deviceHttpAuthorization,
  type PushFileAction,
  pushChunkCount,
  TRANSFER_CHUNK_SHA256_HEADER,
  TRANSFER_LIMITS,
  transferPaths,
} from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import { pathPolicy } from '../logs/policy';
import type { ActionContext, ActionHandler } from '../runs/runs';

export interface PushDeps {
  stateDir: string;
  serverUrl: string;
  deviceId: string;
  privateKey: KeyObject;
  platform?: NodeJS.Platform;
  fetchImpl?: typeof fetch;
  /** Backoff between retries of one chunk (tests shorten it). */
  retry?: { minMs: number; maxMs: number; attempts: number };
}

/** Refused as asked: nothing was written at the destination. */
class Refused extends Error {}
/** The server will not serve this chunk, however often asked. */
class Permanent extends Error {}

/** Partial downloads, by the content's hash: a second push of the same file resumes it. */
export const pushPartial = (stateDir: string, sha256: string): string =>
  join(stateDir, 'transfers', `${sha256}.part`);

/**
 * The `push_file` action. The destination is judged first (its folder resolved, the lists
 * applied to where the file would really land, an existing file refused unless overwrite
 * was asked, a symlink at the destination always refused), so a refused push downloads
 * nothing. Then chunk by chunk, each checked against its SHA-256 header, into a partial file
 * under the state directory that a retry or a later push of the same content resumes. Only
 * when the whole hashes to the signed SHA-256 and size is it copied beside the destination,
 * given its mode and owner, and moved into place in one rename (or a link that fails if the
 * path appeared meanwhile, when overwriting was not asked).
 */
export function pushFileHandler(deps: PushDeps): ActionHandler<'push_file'> {
  return async (action, ctx) => {
    try {
      const target = await judge(deps, action);
      const partial = await download(deps, action, ctx);
      await place(deps, action, partial, target, ctx.runId);
      await rm(partial, { force: true });
      ctx.say(
        `${target}: written, ${action.upload.size} bytes, SHA-256 ${action.upload.sha256}${action.mode !== undefined ? `, mode ${action.mode.toString(8).padStart(4, '0')}` : ''}${action.owner || action.group ? `, owner ${action.owner ?? ''}:${action.group ?? ''}` : ''}`,
      );
      return { outcome: 'succeeded' };
    } catch (err) {
      const why = errorMessage(err);
      ctx.say(`${action.path}: ${err instanceof Refused ? 'refused' : 'failed'}: ${why}`);
      return {
        outcome: 'failed',
        error: err instanceof Refused ? `refused: ${why}` : `push failed: ${why}`,
      };
    }
  };
}

/** Where the file would really land, if the lists allow it there. */
async function judge(deps: PushDeps, action: PushFileAction): Promise<string> {
  const platform = deps.platform ?? process.platform;
  if (!isAbsolute(action.path)) throw new Refused(`${action.path} is not an absolute path`);
  const name = basename(action.path);
  if (!name || name === '.' || name === '..') {
    throw new Refused(`${action.path} does not name a file`);
  }
  let folder: string;
  try {
    folder = await realpath(dirname(action.path));
  } catch {
    throw new Refused(`the folder ${dirname(action.path)} does not exist`);
  }
  if (!(await stat(folder)).isDirectory()) throw new Refused(`${folder} is not a folder`);
  const target = join(folder, name);
  const ownStateDir = await realpath(deps.stateDir).catch(() => deps.stateDir);
  const verdict = pathPolicy({
    allow: action.allow,
    deny: action.deny,
    ownStateDir,
    platform,
  }).check(target);
  if (!verdict.ok) throw new Refused(`${verdict.reason}: ${verdict.message}`);
  const existing = await lstat(target).catch(() => null);
  if (existing?.isSymbolicLink()) {
    throw new Refused(`${target} is a symbolic link; a push never writes through one`);
  }
  if (existing && !existing.isFile()) throw new Refused(`${target} exists and is not a file`);
  if (existing && !action.overwrite) {
    throw new Refused(`${target} already exists; ask to overwrite to replace it`);
  }
  if ((action.owner || action.group) && platform === 'win32') {
    throw new Refused('an owner or group can be set on POSIX systems only');
  }
  return target;
}

/** Downloads what the partial file lacks; returns its path once it is the signed content. */
async function download(
  deps: PushDeps,
  action: PushFileAction,
  ctx: ActionContext,
): Promise<string> {
  const { size, sha256 } = action.upload;
  const partial = pushPartial(deps.stateDir, sha256);
  await mkdir(dirname(partial), { recursive: true, mode: 0o700 });
  const chunk = TRANSFER_LIMITS.pushChunkBytes;
  const chunks = pushChunkCount(size);
  const have = await stat(partial).then(
    (s) => Math.min(s.size, size),
    () => 0,
  );
  // Whole chunks only: a chunk cut by a crash is fetched again.
  let seq = Math.floor(have / chunk);
  if (seq >= chunks && size > 0) seq = chunks - 1;
  const file = await open(partial, have > 0 ? 'r+' : 'w', 0o600);
  try {
    await file.truncate(seq * chunk);
    if (seq > 0) ctx.say(`resuming at byte ${seq * chunk} of ${size}`);
    let reported = -1;
    for (; seq < chunks; seq++) {
      const expected = Math.max(0, Math.min(chunk, size - seq * chunk));
      const bytes = await fetchChunk(deps, ctx.runId, seq, expected);
      await file.write(bytes, 0, bytes.length, seq * chunk);
      const done = Math.floor(((seq + 1) / chunks) * 10);
      if (done !== reported) {
        reported = done;
        ctx.say(`received ${Math.min(size, (seq + 1) * chunk)} of ${size} bytes`);
      }
    }
    await file.sync();
  } finally {
    await file.close();
  }
  const got = await hashFile(partial);
  if (got.size !== size || got.sha256 !== sha256) {
    await rm(partial, { force: true });
    throw new Error(
      `the downloaded file is ${got.size} bytes hashing to ${got.sha256}, not the signed ${size} bytes hashing to ${sha256}; nothing was written`,
    );
  }
  return partial;
}

async function fetchChunk(
  deps: PushDeps,
  runId: string,
  seq: number,
  expected: number,
): Promise<Buffer> {
  const retry = deps.retry ?? { minMs: 500, maxMs: 30_000, attempts: 10 };
  let delay = retry.minMs;
  for (let attempt = 1; ; attempt++) {
    try {
      const path = transferPaths.pushChunk(runId, seq);
      const authorization = deviceHttpAuthorization(deps.privateKey, {
        deviceId: deps.deviceId,
        method: 'GET',
        path,
        at: Date.now(),
      });
      const response = await (deps.fetchImpl ?? fetch)(new URL(path, deps.serverUrl), {
        headers: { authorization },
        signal: AbortSignal.timeout(60_000),
      });
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        const why = `GET ${path}: ${response.status} ${text.slice(0, 300)}`;
        if ([400, 401, 403, 404, 410].includes(response.status)) throw new Permanent(why);
        throw new Error(why);
      }
      const bytes = Buffer.from(await response.arrayBuffer());
      const header = response.headers.get(TRANSFER_CHUNK_SHA256_HEADER);
      if (bytes.length !== expected) {
        throw new Error(`chunk ${seq} holds ${bytes.length} bytes, expected ${expected}`);
      }
      if (header !== createHash('sha256').update(bytes).digest('hex')) {
        throw new Error(`chunk ${seq} does not match its SHA-256`);
      }
      return bytes;
    } catch (err) {
      if (err instanceof Permanent || attempt >= retry.attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * delay));
      delay = Math.min(retry.maxMs, delay * 2);
    }
  }
}

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Copies the verified file beside the target, sets mode and owner, then moves it in. */
async function place(
  deps: PushDeps,
  action: PushFileAction,
  partial: string,
  target: string,
  runId: string,
): Promise<void> {
  const tmp = join(dirname(target), `.${basename(target)}.fleetdesk-${runId.slice(0, 8)}.tmp`);
  const existing = await stat(target).catch(() => null);
  const mode = action.mode ?? (existing ? existing.mode & 0o7777 : 0o644);
  const out = await open(tmp, 'wx', 0o600);
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(partial) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      await out.write(chunk);
    }
    await out.sync();
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true });
    throw err;
  }
  await out.close();
  try {
    if (hash.digest('hex') !== action.upload.sha256) {
      throw new Error('the copy beside the destination does not match the signed SHA-256');
    }
    if ((deps.platform ?? process.platform) !== 'win32') {
      await chmod(tmp, mode);
      if (action.owner || action.group) {
        const uid = action.owner ? await idOf('/etc/passwd', action.owner) : -1;
        const gid = action.group ? await idOf('/etc/group', action.group) : -1;
        await chown(tmp, uid, gid);
      }
    }
    if (action.overwrite) {
      await rename(tmp, target);
    } else {
      // link() fails if the path appeared since it was judged: never a silent replace.
      try {
        await link(tmp, target);
      } catch (err) {
        if ((err as { code?: string }).code === 'EEXIST') {
          throw new Refused(`${target} appeared while the file was being pushed; left alone`);
        }
        throw err;
      }
      await unlink(tmp);
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** A numeric id as given, or a name looked up in /etc/passwd or /etc/group. */
async function idOf(file: string, who: string): Promise<number> {
  if (/^\d+$/.test(who)) return Number(who);
  const text = await readFile(file, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (name === who && id !== undefined && /^\d+$/.test(id)) return Number(id);
  }
  throw new Refused(
    `${who} is not a known ${file === '/etc/passwd' ? 'user' : 'group'} on this device`,
  );
}
