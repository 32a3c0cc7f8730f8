import { indexLines, type LogText } from './log-text';
import { findMatches, type MatchQuery } from './match-finder';

/**
 * Searches a log off the page's thread: a million-line log or a slow regular expression never
 * freezes scrolling, and a pattern that runs away (`(a+)+$`) is stopped by ending this worker
 * (useLogSearch), the way the agent stops its regex worker at the time limit.
 */
export type MatchRequest =
  { type: 'load'; text: string } | { type: 'search'; id: number; query: MatchQuery };

export type MatchReply =
  | { type: 'result'; id: number; starts: Uint32Array; ends: Uint32Array; capped: boolean }
  | { type: 'error'; id: number; message: string };

let log: LogText = indexLines('');

self.onmessage = (event: MessageEvent<MatchRequest>) => {
  const msg = event.data;
  if (msg.type === 'load') {
    log = indexLines(msg.text);
    return;
  }
  try {
    const found = findMatches(log, msg.query);
    // Copies the used part, so the transfer moves only what is needed.
    const starts = found.starts.slice();
    const ends = found.ends.slice();
    const reply: MatchReply = { type: 'result', id: msg.id, starts, ends, capped: found.capped };
    self.postMessage(reply, { transfer: [starts.buffer, ends.buffer] });
  } catch (err) {
    const reply: MatchReply = {
      type: 'error',
      id: msg.id,
      message: err instanceof Error ? err.message : String(err),
    };
    self.postMessage(reply);
  }
};
