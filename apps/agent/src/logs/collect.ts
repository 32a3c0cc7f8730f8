import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type CollectLogsAction,
  type LogManifest,
  type LogManifestFile,
  type LogManifestRefusal,
  LOG_LIMITS,
  type LogSource,
  logChunkCount,
} from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import type { ActionContext, ActionHandler, ActionOutcome } from '../runs/runs';
import { FilterTimeout, lineMatcher } from './filter';
import { selectLines } from './lines';
import { pathPolicy, type PathPolicy } from './policy';
import { expandGlob, isGlob, journalctlArgs, wevtutilArgs } from './sources';

/** Staged bundles wait here (one folder per run) until the server has every chunk. */
export const uploadsDir = (stateDir: string): string => join(stateDir, 'log-uploads');
export const MANIFEST = 'manifest.json';
export const dataFile = (dir: string, index: number): string => join(dir, `${index}.data`);

export interface CollectDeps {
  stateDir: string;
  platform?: NodeJS.Platform;
  /** journalctl / wevtutil as found on PATH; tests point these at fixtures. */
  journalctl?: string;
  wevtutil?: string;
  /** Called once the bundle is staged; the uploader takes it from there. */
  staged(runId: string): void;
}

/**
 * The `collect_logs` action. Everything that will be sent is first staged under the state
 * directory, with its size and SHA-256 in a manifest written last (atomically): from then on
 * the bundle's bytes are fixed, so the upload can stop and resume at any chunk, across
 * restarts, and what arrives is exactly what was collected. The run succeeds once the bundle
 * is staged; the server shows the upload's progress on the bundle.
 */
export function collectLogsHandler(deps: CollectDeps): ActionHandler<'collect_logs'> {
  return async (action, ctx) => {
    const dir = join(uploadsDir(deps.stateDir), ctx.runId);
    try {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const manifest = await collect(deps, action, ctx, dir);
      const tmp = join(dir, `${MANIFEST}.tmp`);
      await writeFile(tmp, JSON.stringify(manifest), { mode: 0o600 });
      await rename(tmp, join(dir, MANIFEST));
      const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
      ctx.say(
        `collected ${manifest.files.length} file(s), ${total} bytes; ${manifest.refused.length} refused; uploading`,
      );
      deps.staged(ctx.runId);
      const outcome: ActionOutcome =
        manifest.files.length === 0 && manifest.refused.length > 0
          ? {
              outcome: 'failed',
              error: 'nothing was collected: every source was refused or failed',
            }
          : { outcome: 'succeeded' };
      return outcome;
    } catch (err) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      return { outcome: 'failed', error: `collection failed: ${errorMessage(err)}` };
    }
  };
}

interface Collector {
  deps: CollectDeps;
  action: CollectLogsAction;
  ctx: ActionContext;
  dir: string;
  policy: PathPolicy;
  files: LogManifestFile[];
  refused: LogManifestRefusal[];
  budget: number;
}

async function collect(
  deps: CollectDeps,
  action: CollectLogsAction,
  ctx: ActionContext,
  dir: string,
): Promise<LogManifest> {
  const platform = deps.platform ?? process.platform;
  const ownStateDir = await realpath(deps.stateDir).catch(() => deps.stateDir);
  const c: Collector = {
    deps,
    action,
    ctx,
    dir,
    policy: pathPolicy({ allow: action.allow, deny: action.deny, ownStateDir, platform }),
    files: [],
    refused: [],
    budget: action.maxBundleBytes,
  };
  for (const [index, source] of action.sources.entries()) {
    try {
      await collectSource(c, index, source, platform);
    } catch (err) {
      c.refused.push({
        source: index,
        path: describe(source),
        reason: 'failed',
        message: clip(errorMessage(err)),
      });
    }
  }
  return { runId: ctx.runId, files: c.files, refused: c.refused, collectedAt: Date.now() };
}

async function collectSource(
  c: Collector,
  index: number,
  source: LogSource,
  platform: NodeJS.Platform,
): Promise<void> {
  switch (source.type) {
    case 'file': {
      if (!isGlob(source.path)) return collectFile(c, index, source.path);
      const { files, capped } = await expandGlob(source.path, LOG_LIMITS.filesPerGlob, platform);
      if (files.length === 0) {
        return refuse(c, index, source.path, 'not_found', 'the glob matched no file');
      }
      if (capped) c.ctx.say(`${source.path}: only the first ${files.length} matches are taken`);
      for (const path of files) await collectFile(c, index, path);
      return;
    }
    case 'journald': {
      const exe = c.deps.journalctl ?? 'journalctl';
      if (platform !== 'linux' && !c.deps.journalctl) {
        return refuse(c, index, describe(source), 'failed', 'journald exists only on Linux');
      }
      return collectCommand(c, index, source, exe, journalctlArgs(source, c.action), true);
    }
    case 'eventlog': {
      if (platform !== 'win32' && !c.deps.wevtutil) {
        return refuse(c, index, describe(source), 'failed', 'the Event Log exists only on Windows');
      }
      // wevtutil filters by time itself; its records span lines, so no line-time filter here.
      return collectCommand(
        c,
        index,
        source,
        c.deps.wevtutil ?? 'wevtutil.exe',
        wevtutilArgs(source, c.action),
        false,
      );
    }
  }
}

/**
 * One file: resolved on this device first (symlinks, `..`, short names: realpath), and the
 * policy judges where it really is. Opened without following a link and checked to be the
 * very file judged, so swapping a symlink in between does not redirect the read.
 */
async function collectFile(c: Collector, index: number, asked: string): Promise<void> {
  if (c.files.length >= LOG_LIMITS.filesPerBundle) {
    return refuse(c, index, asked, 'failed', 'the bundle holds the most files it may');
  }
  let real: string;
  try {
    real = await realpath(asked);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return refuse(
      c,
      index,
      asked,
      code === 'ENOENT' ? 'not_found' : 'failed',
      clip(errorMessage(err)),
    );
  }
  const verdict = c.policy.check(real);
  if (!verdict.ok) return refuse(c, index, asked, verdict.reason, verdict.message, real);
  const info = await stat(real);
  if (!info.isFile()) return refuse(c, index, asked, 'not_a_file', `${real} is not a file`, real);

  const handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  try {
    const opened = await handle.stat();
    if (opened.ino !== info.ino || opened.dev !== info.dev) {
      return refuse(c, index, asked, 'failed', `${real} changed while it was being opened`, real);
    }
    const cap = Math.min(c.action.maxBytesPerSource, c.budget);
    const lineMode =
      c.action.since !== undefined ||
      c.action.until !== undefined ||
      c.action.lastLines !== undefined ||
      c.action.filter !== undefined;
    if (!lineMode) {
      // Byte for byte; past the cap, the newest bytes (a log's end) are what is kept.
      const start = Math.max(0, opened.size - cap);
      const input = handle.createReadStream({ start, end: opened.size - 1, autoClose: false });
      await stage(c, index, asked, real, opened.size === 0 ? [] : input, start > 0);
      return;
    }
    const input = handle.createReadStream({ autoClose: false });
    const matcher = lineMatcher(c.action.filter);
    try {
      const selected = await selectLines(input, {
        since: c.action.since,
        until: c.action.until,
        lastLines: c.action.lastLines,
        maxBytes: cap,
        matcher,
      });
      await stage(c, index, asked, real, selected.chunks, selected.truncated, selected.lines);
    } catch (err) {
      if (err instanceof FilterTimeout) return refuse(c, index, asked, 'failed', err.message, real);
      throw err;
    } finally {
      await matcher.close();
    }
  } finally {
    await handle.close();
  }
}

/** journalctl or wevtutil: argument arrays, no shell; stdout goes through the line filters. */
async function collectCommand(
  c: Collector,
  index: number,
  source: LogSource,
  exe: string,
  args: string[],
  timeFilter: boolean,
): Promise<void> {
  const name = describe(source);
  const child = spawn(exe, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<{ code: number | null; error?: Error }>((resolve) => {
    child.once('error', (error) => resolve({ code: null, error }));
    child.once('close', (code) => resolve({ code }));
  });
  const matcher = lineMatcher(c.action.filter);
  try {
    const selected = await selectLines(child.stdout, {
      since: timeFilter ? c.action.since : undefined,
      until: timeFilter ? c.action.until : undefined,
      lastLines: c.action.lastLines,
      maxBytes: Math.min(c.action.maxBytesPerSource, c.budget),
      matcher,
    });
    const end = await exited;
    if (end.error) {
      const missing = (end.error as { code?: string }).code === 'ENOENT';
      return refuse(
        c,
        index,
        name,
        'failed',
        missing ? `${exe} is not available on this device` : clip(end.error.message),
      );
    }
    if (end.code !== 0) {
      return refuse(c, index, name, 'failed', clip(`${exe} exited ${end.code}: ${stderr.trim()}`));
    }
    await stage(c, index, name, name, selected.chunks, selected.truncated, selected.lines);
  } catch (err) {
    child.kill();
    if (err instanceof FilterTimeout) return refuse(c, index, name, 'failed', err.message);
    throw err;
  } finally {
    await matcher.close();
  }
}

/** Writes one file of the bundle (mode 0600), hashing it as it goes. */
async function stage(
  c: Collector,
  source: number,
  path: string,
  realPath: string,
  content: Iterable<Buffer> | AsyncIterable<Buffer>,
  truncated: boolean,
  lines?: number,
): Promise<void> {
  const index = c.files.length;
  const hash = createHash('sha256');
  let size = 0;
  const out = await open(dataFile(c.dir, index), 'wx', 0o600);
  try {
    for await (const chunk of content) {
      hash.update(chunk);
      size += chunk.length;
      await out.write(chunk);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  c.budget -= size;
  c.files.push({
    index,
    source,
    path: clipPath(path),
    realPath: clipPath(realPath),
    size,
    sha256: hash.digest('hex'),
    chunks: logChunkCount(size),
    truncated,
    ...(lines !== undefined ? { lines } : {}),
  });
  c.ctx.say(`${path}: ${size} bytes${truncated ? ' (truncated)' : ''}`);
}

function refuse(
  c: Collector,
  source: number,
  path: string,
  reason: LogManifestRefusal['reason'],
  message: string,
  realPath?: string,
): void {
  c.refused.push({
    source,
    path: clipPath(path),
    ...(realPath !== undefined ? { realPath: clipPath(realPath) } : {}),
    reason,
    message: clip(message),
  });
  c.ctx.say(`${path}: refused (${reason}): ${message}`);
}

export function describe(source: LogSource): string {
  switch (source.type) {
    case 'file':
      return source.path;
    case 'journald':
      return `journald${source.unit ? `:${source.unit}` : ''}${source.priority !== undefined ? ` priority<=${source.priority}` : ''}`;
    case 'eventlog':
      return `eventlog:${source.log}${source.level !== undefined ? ` level<=${source.level}` : ''}`;
  }
}

const clip = (text: string) => text.slice(0, 1024);
const clipPath = (text: string) => text.slice(0, LOG_LIMITS.pathLength);
