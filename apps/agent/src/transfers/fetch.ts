import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type FetchFileAction,
  logChunkCount,
  type LogManifest,
  type LogManifestRefusal,
  TAR_END,
  tarHeader,
  tarPadding,
  TRANSFER_LIMITS,
} from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import { dataFile, MANIFEST, uploadsDir } from '../logs/collect';
import { pathPolicy, type PathPolicy, toSlashes } from '../logs/policy';
import type { ActionHandler, ActionOutcome } from '../runs/runs';

export interface FetchDeps {
  stateDir: string;
  platform?: NodeJS.Platform;
  /** Called once the file is staged; the log uploader sends it like a bundle. */
  staged(runId: string): void;
}

/** Why the fetch sent nothing; the message is the run's error. */
class Refused extends Error {
  constructor(
    readonly reason: LogManifestRefusal['reason'],
    message: string,
    readonly realPath?: string,
  ) {
    super(message);
  }
}

/**
 * The `fetch_file` action: the path is resolved (symlinks, `..`, short names) and judged by
 * the signed allow/deny lists before anything is opened. A file is staged byte for byte; a
 * folder becomes one tar of the files under it that the lists allow (each judged by its own
 * real path, symlinks inside not followed), the rest listed as refused. The staged file then
 * travels through the log uploader: gzip chunks with SHA-256, resumable across restarts.
 */
export function fetchFileHandler(deps: FetchDeps): ActionHandler<'fetch_file'> {
  return async (action, ctx) => {
    const platform = deps.platform ?? process.platform;
    const dir = join(uploadsDir(deps.stateDir), ctx.runId);
    const ownStateDir = await realpath(deps.stateDir).catch(() => deps.stateDir);
    const policy = pathPolicy({ allow: action.allow, deny: action.deny, ownStateDir, platform });
    const refused: LogManifestRefusal[] = [];
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const real = await resolve(action.path);
      const verdict = policy.check(real);
      if (!verdict.ok) throw new Refused(verdict.reason, verdict.message, real);
      const info = await lstat(real);
      let staged: { size: number; sha256: string; entries?: number };
      if (info.isFile()) {
        staged = await stageFile(real, dataFile(dir, 0), action.maxBytes);
      } else if (info.isDirectory()) {
        staged = await stageFolder(real, dataFile(dir, 0), action, policy, platform, refused);
      } else {
        throw new Refused('not_a_file', `${real} is neither a file nor a folder`, real);
      }
      const manifest: LogManifest = {
        runId: ctx.runId,
        files: [
          {
            index: 0,
            source: 0,
            path: action.path,
            realPath: real,
            size: staged.size,
            sha256: staged.sha256,
            chunks: logChunkCount(staged.size),
            truncated: false,
          },
        ],
        refused,
        collectedAt: Date.now(),
      };
      const tmp = join(dir, `${MANIFEST}.tmp`);
      await writeFile(tmp, JSON.stringify(manifest), { mode: 0o600 });
      await rename(tmp, join(dir, MANIFEST));
      ctx.say(
        `${real}: ${staged.entries !== undefined ? `folder archived (${staged.entries} files, ${refused.length} refused), ` : ''}${staged.size} bytes, SHA-256 ${staged.sha256}; uploading`,
      );
      deps.staged(ctx.runId);
      return { outcome: 'succeeded' } satisfies ActionOutcome;
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof Refused) {
        ctx.say(`${action.path}: refused (${err.reason}): ${err.message}`);
        return { outcome: 'failed', error: `refused (${err.reason}): ${err.message}` };
      }
      return { outcome: 'failed', error: `fetch failed: ${errorMessage(err)}` };
    }
  };
}

async function resolve(asked: string): Promise<string> {
  try {
    return await realpath(asked);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw code === 'ENOENT'
      ? new Refused('not_found', `${asked} does not exist`)
      : new Refused('failed', errorMessage(err));
  }
}

/** Copies `real` to `dest`, hashing as it goes; the file must not change identity meanwhile. */
async function stageFile(
  real: string,
  dest: string,
  maxBytes: number,
): Promise<{ size: number; sha256: string }> {
  const out = await open(dest, 'wx', 0o600);
  try {
    const hash = createHash('sha256');
    const size = await copyInto(real, maxBytes, (chunk) => {
      hash.update(chunk);
      return out.write(chunk).then(() => undefined);
    });
    await out.sync();
    return { size, sha256: hash.digest('hex') };
  } finally {
    await out.close();
  }
}

/** Streams a file opened without following a last-moment symlink; refuses past `maxBytes`. */
async function copyInto(
  real: string,
  maxBytes: number,
  write: (chunk: Buffer) => Promise<void>,
): Promise<number> {
  const handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const info = await handle.stat();
    if (info.size > maxBytes) {
      throw new Refused(
        'failed',
        `${real} holds ${info.size} bytes, more than the ${maxBytes} this fetch may send`,
        real,
      );
    }
    let size = 0;
    for await (const chunk of handle.createReadStream({
      autoClose: false,
    }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new Refused('failed', `${real} grew past ${maxBytes} bytes while it was read`, real);
      }
      await write(chunk);
    }
    return size;
  } finally {
    await handle.close();
  }
}

/**
 * The folder as a tar, walked without following symlinks: a symlink inside is judged by
 * where it points and, if that is allowed, archived as the file it points at. Names in the
 * archive are relative to the folder, under its own name.
 */
async function stageFolder(
  root: string,
  dest: string,
  action: FetchFileAction,
  policy: PathPolicy,
  platform: NodeJS.Platform,
  refused: LogManifestRefusal[],
): Promise<{ size: number; sha256: string; entries: number }> {
  const out = await open(dest, 'wx', 0o600);
  const hash = createHash('sha256');
  let size = 0;
  let entries = 0;
  const emit = async (chunk: Buffer) => {
    size += chunk.length;
    if (size > action.maxBytes) {
      throw new Refused(
        'failed',
        `the archive of ${root} passed the ${action.maxBytes} bytes this fetch may send`,
        root,
      );
    }
    hash.update(chunk);
    await out.write(chunk);
  };
  const refuse = (path: string, reason: LogManifestRefusal['reason'], message: string) => {
    if (refused.length < TRANSFER_LIMITS.archiveEntries) {
      refused.push({
        source: 0,
        path: path.slice(0, 1024),
        reason,
        message: message.slice(0, 1024),
      });
    }
  };
  const top = basename(root) || 'root';
  const walk = async (dir: string, rel: string): Promise<void> => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const relName = `${rel}/${name}`;
      let real: string;
      try {
        real = await realpath(path);
      } catch (err) {
        refuse(path, 'failed', errorMessage(err));
        continue;
      }
      const verdict = policy.check(real);
      if (!verdict.ok) {
        refuse(path, verdict.reason, verdict.message);
        continue;
      }
      const link = await lstat(path);
      const info = link.isSymbolicLink() ? await lstat(real) : link;
      if (info.isDirectory()) {
        // A symlinked folder is not walked into: it could loop, or lead the archive far away.
        if (link.isSymbolicLink()) {
          refuse(path, 'not_a_file', `${path} is a symbolic link to a folder; not followed`);
          continue;
        }
        await emit(tarHeader(toSlashes(relName, platform), 0, info.mtime, { directory: true }));
        await walk(path, relName);
        continue;
      }
      if (!info.isFile()) {
        refuse(path, 'not_a_file', `${path} is not a regular file`);
        continue;
      }
      if (++entries > TRANSFER_LIMITS.archiveEntries) {
        throw new Refused(
          'failed',
          `${root} holds more than ${TRANSFER_LIMITS.archiveEntries} files; fetch a smaller folder`,
          root,
        );
      }
      await emit(
        tarHeader(toSlashes(relName, platform), info.size, info.mtime, { mode: info.mode & 0o777 }),
      );
      const written = await copyInto(real, info.size, emit);
      if (written !== info.size) {
        throw new Refused('failed', `${path} changed size while it was archived`, real);
      }
      await emit(tarPadding(info.size));
    }
  };
  try {
    await emit(tarHeader(top, 0, new Date(), { directory: true }));
    await walk(root, top);
    await emit(TAR_END);
    await out.sync();
    return { size, sha256: hash.digest('hex'), entries };
  } finally {
    await out.close();
  }
}
