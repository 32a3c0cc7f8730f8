import { Worker } from 'node:worker_threads';
import type { LogFilter } from './logs';

/** Decides which lines travel. `close` frees what it holds (a worker). */
export interface LineMatcher {
  match(lines: readonly string[]): Promise<boolean[]>;
  close(): Promise<void>;
}

export class FilterTimeout extends Error {
  constructor(timeoutMs: number) {
    super(
      `the filter took more than ${timeoutMs} ms on this source and was stopped (is the pattern catastrophic?)`,
    );
  }
}

export const matchAll: LineMatcher = {
  match: (lines) => Promise.resolve(lines.map(() => true)),
  close: () => Promise.resolve(),
};

/**
 * The regular expression runs in a worker thread: JavaScript's engine backtracks, and a
 * pattern like `(a+)+$` on a long line would otherwise block the agent (its socket, its other
 * runs) for minutes. The main thread waits for each batch against what is left of the time
 * budget and terminates the worker when it runs out.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.pattern, workerData.flags);
parentPort.on('message', (lines) => {
  const out = new Uint8Array(lines.length);
  for (let i = 0; i < lines.length; i++) out[i] = re.test(lines[i]) ? 1 : 0;
  parentPort.postMessage(out);
});
`;

/** Throws (with the engine's reason) when the pattern is not a valid regular expression. */
export function checkPattern(filter: LogFilter): void {
  if (filter.mode === 'regex') new RegExp(filter.pattern, filter.ignoreCase ? 'i' : '');
}

export function lineMatcher(filter: LogFilter | undefined): LineMatcher {
  if (!filter) return matchAll;
  if (filter.mode === 'substring') {
    const needle = filter.ignoreCase ? filter.pattern.toLowerCase() : filter.pattern;
    return {
      match: (lines) =>
        Promise.resolve(
          lines.map((l) => (filter.ignoreCase ? l.toLowerCase() : l).includes(needle)),
        ),
      close: () => Promise.resolve(),
    };
  }
  checkPattern(filter);
  return regexMatcher(filter);
}

function regexMatcher(filter: LogFilter): LineMatcher {
  const deadline = Date.now() + filter.timeoutMs;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    // Not 'g' or 'y': test() must not carry lastIndex from one line to the next.
    workerData: { pattern: filter.pattern, flags: filter.ignoreCase ? 'i' : '' },
    resourceLimits: { maxOldGenerationSizeMb: 64 },
  });
  worker.unref();
  let dead = false;
  // A worker that fails between two batches (it could not start, it ran out of its memory)
  // must not take the process down with an unheard 'error' event: the next match() reports it.
  let failure: Error | null = null;
  worker.on('error', (err) => {
    failure = err;
    dead = true;
  });
  const terminate = async () => {
    if (dead) return;
    dead = true;
    await worker.terminate();
  };
  return {
    match: (lines) =>
      new Promise<boolean[]>((resolve, reject) => {
        if (dead) return reject(failure ?? new FilterTimeout(filter.timeoutMs));
        const left = deadline - Date.now();
        const cleanup = () => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('error', onError);
        };
        const onMessage = (flags: Uint8Array) => {
          cleanup();
          resolve(Array.from(flags, (f) => f === 1));
        };
        const onError = (err: Error) => {
          cleanup();
          reject(err);
        };
        const timer = setTimeout(
          () => {
            cleanup();
            void terminate().finally(() => reject(new FilterTimeout(filter.timeoutMs)));
          },
          Math.max(0, left),
        );
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.postMessage(lines);
      }),
    close: terminate,
  };
}
