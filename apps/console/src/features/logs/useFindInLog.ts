import { useEffect, useRef, useState } from 'react';
import type { LogText } from './log-text';
import { type Matches, type MatchQuery, NO_MATCHES } from './match-finder';
import type { MatchReply, MatchRequest } from './match.worker';

/** A search that takes longer is stopped: the pattern is the problem, not the log. */
export const FIND_TIMEOUT_MS = 15_000;

export type FindState =
  | { status: 'idle'; matches: Matches }
  | { status: 'searching'; matches: Matches }
  | { status: 'done'; matches: Matches }
  | { status: 'error'; matches: Matches; message: string };

const IDLE: FindState = { status: 'idle', matches: NO_MATCHES };

const spawn = () =>
  new Worker(new URL('./match.worker.ts', import.meta.url), {
    type: 'module',
    name: 'log-search',
  });

/**
 * Runs searches of `log` in a worker holding its own copy of the text. A new query supersedes
 * the one running (its answer is ignored); one past FIND_TIMEOUT_MS ends the worker, and the
 * next search starts a fresh one.
 */
export function useFindInLog(log: LogText | null, query: MatchQuery | null): FindState {
  const worker = useRef<Worker | null>(null);
  const loaded = useRef<LogText | null>(null);
  const seq = useRef(0);
  // The answer names the log and query it answers; anything else is still being searched.
  const [answer, setAnswer] = useState<{
    log: LogText;
    query: MatchQuery;
    state: FindState;
  } | null>(null);

  useEffect(
    () => () => {
      worker.current?.terminate();
      worker.current = null;
    },
    [],
  );

  useEffect(() => {
    const id = ++seq.current;
    if (!log || !query || query.pattern === '') return;
    if (!worker.current || loaded.current !== log) {
      worker.current?.terminate();
      worker.current = spawn();
      worker.current.postMessage({ type: 'load', text: log.text } satisfies MatchRequest);
      loaded.current = log;
    }
    const w = worker.current;
    const settle = (state: FindState) => setAnswer({ log, query, state });
    const timer = setTimeout(() => {
      if (seq.current !== id) return;
      w.terminate();
      worker.current = null;
      settle({
        status: 'error',
        matches: NO_MATCHES,
        message: `The search was stopped after ${FIND_TIMEOUT_MS / 1000} s: simplify the pattern.`,
      });
    }, FIND_TIMEOUT_MS);
    const onMessage = (event: MessageEvent<MatchReply>) => {
      const reply = event.data;
      if (reply.id !== id || seq.current !== id) return;
      clearTimeout(timer);
      if (reply.type === 'error') {
        settle({ status: 'error', matches: NO_MATCHES, message: reply.message });
        return;
      }
      settle({
        status: 'done',
        matches: {
          starts: reply.starts,
          ends: reply.ends,
          count: reply.starts.length,
          capped: reply.capped,
        },
      });
    };
    const onError = () => {
      clearTimeout(timer);
      w.terminate();
      worker.current = null;
      settle({ status: 'error', matches: NO_MATCHES, message: 'The search failed.' });
    };
    w.addEventListener('message', onMessage);
    w.addEventListener('error', onError);
    w.postMessage({ type: 'search', id, query } satisfies MatchRequest);
    return () => {
      clearTimeout(timer);
      w.removeEventListener('message', onMessage);
      w.removeEventListener('error', onError);
    };
  }, [log, query]);

  if (!log || !query || query.pattern === '') return IDLE;
  if (answer?.log === log && answer.query === query) return answer.state;
  // Still searching: the previous matches of this log stay on screen until the new ones come.
  return { status: 'searching', matches: answer?.log === log ? answer.state.matches : NO_MATCHES };
}
