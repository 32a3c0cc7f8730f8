import { spawn } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import {
  deviceHttpAuthorization,
  LOG_LIMITS,
  type LogSource,
  MatchCollector,
  type SearchFileResult,
  type SearchLogsAction,
  type SearchRefusal,
  type SearchResultBody,
  searchLines,
  SEARCH_RESULT_CONTENT_TYPE,
  searchResultPath,
} from '@fleetdesk/protocol';
import { errorMessage } from '../log';
import type { ActionContext, ActionHandler } from '../runs/runs';
import { describe } from './collect';
import { FilterTimeout, lineMatcher } from './filter';
import { pathPolicy, type PathPolicy } from './policy';
import { expandGlob, isGlob, journalctlArgs, wevtutilArgs } from './sources';

export interface SearchDeps {
  stateDir: string;
  serverUrl: string;
  deviceId: string;
  privateKey: KeyObject;
  platform?: NodeJS.Platform;
  journalctl?: string;
  wevtutil?: string;
  fetchImpl?: typeof fetch;
  retry?: { minMs: number; maxMs: number; attempts: number };
}

interface Search {
  deps: SearchDeps;
  action: SearchLogsAction;
  ctx: ActionContext;
  policy: PathPolicy;
  files: SearchFileResult[];
  refused: SearchRefusal[];
  budget: { left: number };
}

/**
 * The `search_logs` action: the same sources and path policy as a collection (resolved on
 * this device before anything is read), but only the matching lines leave the device, each
 * with its line number and context, in one signed result document. The run succeeds once
 * the server holds the result; a source that fails or is refused is listed, not fatal.
 */
export function searchLogsHandler(deps: SearchDeps): ActionHandler<'search_logs'> {
  return async (action, ctx) => {
    const platform = deps.platform ?? process.platform;
    const ownStateDir = await realpath(deps.stateDir).catch(() => deps.stateDir);
    const s: Search = {
      deps,
      action,
      ctx,
      policy: pathPolicy({ allow: action.allow, deny: action.deny, ownStateDir, platform }),
      files: [],
      refused: [],
      budget: { left: action.maxMatches },
    };
    for (const [index, source] of action.sources.entries()) {
      try {
        await searchSource(s, index, source, platform);
      } catch (err) {
        refuse(s, index, describe(source), 'failed', errorMessage(err));
      }
    }
    const result: SearchResultBody = {
      runId: ctx.runId,
      files: s.files,
      refused: s.refused,
      truncated: s.budget.left === 0 && s.files.some((f) => f.matchCount > f.matches.length),
      searchedAt: Date.now(),
    };
    const total = s.files.reduce((n, f) => n + f.matchCount, 0);
    ctx.say(
      `searched ${s.files.length} source file(s): ${total} matching line(s)${result.truncated ? ` (the first ${action.maxMatches} sent)` : ''}; ${s.refused.length} refused or failed`,
    );
    try {
      await send(deps, ctx.runId, result);
    } catch (err) {
      return { outcome: 'failed', error: `the result could not be sent: ${errorMessage(err)}` };
    }
    if (s.files.length === 0 && s.refused.length > 0) {
      return {
        outcome: 'failed',
        error: 'nothing was searched: every source was refused or failed',
      };
    }
    return { outcome: 'succeeded' };
  };
}

async function searchSource(
  s: Search,
  index: number,
  source: LogSource,
  platform: NodeJS.Platform,
): Promise<void> {
  switch (source.type) {
    case 'file': {
      if (!isGlob(source.path)) return searchFile(s, index, source.path);
      const { files } = await expandGlob(source.path, LOG_LIMITS.filesPerGlob, platform);
      if (files.length === 0)
        return refuse(s, index, source.path, 'not_found', 'the glob matched no file');
      for (const path of files) await searchFile(s, index, path);
      return;
    }
    case 'journald': {
      if (platform !== 'linux' && !s.deps.journalctl) {
        return refuse(s, index, describe(source), 'failed', 'journald exists only on Linux');
      }
      return searchCommand(
        s,
        index,
        source,
        s.deps.journalctl ?? 'journalctl',
        journalctlArgs(source, s.action),
        true,
      );
    }
    case 'eventlog': {
      if (platform !== 'win32' && !s.deps.wevtutil) {
        return refuse(s, index, describe(source), 'failed', 'the Event Log exists only on Windows');
      }
      return searchCommand(
        s,
        index,
        source,
        s.deps.wevtutil ?? 'wevtutil.exe',
        wevtutilArgs(source, s.action),
        false,
      );
    }
  }
}

async function searchFile(s: Search, index: number, asked: string): Promise<void> {
  if (s.files.length >= LOG_LIMITS.filesPerBundle) {
    return refuse(s, index, asked, 'failed', 'the search holds the most files it may');
  }
  let real: string;
  try {
    real = await realpath(asked);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return refuse(s, index, asked, code === 'ENOENT' ? 'not_found' : 'failed', errorMessage(err));
  }
  const verdict = s.policy.check(real);
  if (!verdict.ok) return refuse(s, index, asked, verdict.reason, verdict.message);
  const info = await stat(real);
  if (!info.isFile()) return refuse(s, index, asked, 'not_a_file', `${real} is not a file`);
  const handle = await open(real, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  const matcher = lineMatcher(s.action.query);
  try {
    const collector = new MatchCollector(s.action.context, s.budget);
    await searchLines(handle.createReadStream({ autoClose: false }), {
      matcher,
      collector,
      since: s.action.since,
      until: s.action.until,
    });
    s.files.push({
      source: index,
      path: asked.slice(0, LOG_LIMITS.pathLength),
      matchCount: collector.matchCount,
      matches: collector.matches,
    });
  } catch (err) {
    if (err instanceof FilterTimeout) return refuse(s, index, asked, 'failed', err.message);
    throw err;
  } finally {
    await matcher.close();
    await handle.close();
  }
}

async function searchCommand(
  s: Search,
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
  const matcher = lineMatcher(s.action.query);
  try {
    const collector = new MatchCollector(s.action.context, s.budget);
    await searchLines(child.stdout, {
      matcher,
      collector,
      since: timeFilter ? s.action.since : undefined,
      until: timeFilter ? s.action.until : undefined,
    });
    const end = await exited;
    if (end.error) {
      const missing = (end.error as { code?: string }).code === 'ENOENT';
      return refuse(
        s,
        index,
        name,
        'failed',
        missing ? `${exe} is not available on this device` : end.error.message,
      );
    }
    if (end.code !== 0)
      return refuse(s, index, name, 'failed', `${exe} exited ${end.code}: ${stderr.trim()}`);
    s.files.push({
      source: index,
      path: name,
      matchCount: collector.matchCount,
      matches: collector.matches,
    });
  } catch (err) {
    child.kill();
    if (err instanceof FilterTimeout) return refuse(s, index, name, 'failed', err.message);
    throw err;
  } finally {
    await matcher.close();
  }
}

function refuse(
  s: Search,
  source: number,
  path: string,
  reason: SearchRefusal['reason'],
  message: string,
): void {
  if (s.refused.length >= LOG_LIMITS.filesPerBundle) return;
  s.refused.push({
    source,
    path: path.slice(0, LOG_LIMITS.pathLength),
    reason,
    message: message.slice(0, 1024),
  });
  s.ctx.say(`${path}: refused (${reason}): ${message}`);
}

/** POSTs the result, signed; retries what may pass (network, 5xx), not what will not (4xx). */
async function send(deps: SearchDeps, runId: string, result: SearchResultBody): Promise<void> {
  const retry = deps.retry ?? { minMs: 500, maxMs: 15_000, attempts: 8 };
  const path = searchResultPath(runId);
  const body = JSON.stringify(result);
  let delay = retry.minMs;
  for (let attempt = 1; ; attempt++) {
    let permanent = false;
    try {
      const authorization = deviceHttpAuthorization(deps.privateKey, {
        deviceId: deps.deviceId,
        method: 'POST',
        path,
        at: Date.now(),
      });
      const response = await (deps.fetchImpl ?? fetch)(new URL(path, deps.serverUrl), {
        method: 'POST',
        // Not application/json: the server reads this body itself, past the JSON parser's 2 MB.
        headers: { authorization, 'content-type': SEARCH_RESULT_CONTENT_TYPE },
        body,
        signal: AbortSignal.timeout(60_000),
      });
      if (response.ok) return;
      const text = await response.text().catch(() => '');
      permanent = response.status >= 400 && response.status < 500 && response.status !== 429;
      throw new Error(`POST ${path}: ${response.status} ${text.slice(0, 300)}`);
    } catch (err) {
      if (permanent || attempt >= retry.attempts) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * delay));
      delay = Math.min(retry.maxMs, delay * 2);
    }
  }
}
