import { Readable } from 'node:stream';
import { lineMatcher } from './line-matcher';
import { MatchCollector, searchLines, searchLogs, searchResultBody } from './search';

async function search(
  text: string,
  pattern: string,
  options: {
    context?: number;
    budget?: number;
    since?: number;
    until?: number;
    regex?: boolean;
  } = {},
) {
  const collector = new MatchCollector(options.context ?? 0, { left: options.budget ?? 100 });
  const matcher = lineMatcher({
    mode: options.regex ? 'regex' : 'substring',
    pattern,
    timeoutMs: 5000,
  });
  try {
    // Split into odd-sized pieces: a line cut across reads must still be one line.
    const bytes = Buffer.from(text);
    const pieces = [bytes.subarray(0, 7), bytes.subarray(7, 30), bytes.subarray(30)];
    await searchLines(Readable.from(pieces), {
      matcher,
      collector,
      since: options.since,
      until: options.until,
    });
  } finally {
    await matcher.close();
  }
  return collector;
}

describe('searchLines + MatchCollector', () => {
  const text = 'one\ntwo ERROR\r\nthree\nfour ERROR\nfive\nsix ERROR';

  it('numbers lines as grep does, drops a CR before the LF, keeps a last line without one', async () => {
    const c = await search(text, 'ERROR');
    expect(c.matches.map((m) => [m.line, m.text])).toEqual([
      [2, 'two ERROR'],
      [4, 'four ERROR'],
      [6, 'six ERROR'],
    ]);
    expect(c.matchCount).toBe(3);
  });

  it('gives context before and after, shared between close matches, cut at the ends', async () => {
    const c = await search(text, 'ERROR', { context: 1 });
    expect(c.matches.map((m) => [m.before, m.after])).toEqual([
      [['one'], ['three']],
      [['three'], ['five']],
      [['five'], []],
    ]);
  });

  it('keeps counting past the match budget but sends only the first matches', async () => {
    const c = await search(text, 'E.R+OR', { budget: 2, regex: true });
    expect(c.matchCount).toBe(3);
    expect(c.matches).toHaveLength(2);
  });

  it('applies a time window; unstamped lines go with the stamped line before them', async () => {
    const log = [
      'before any stamp ERROR',
      '2026-11-20T10:00:00Z ERROR a',
      '  at trace ERROR',
      '2026-11-20T10:05:00Z ERROR b',
      '2026-11-20T10:10:00Z ERROR c',
    ].join('\n');
    const c = await search(log, 'ERROR', {
      since: Date.parse('2026-11-20T10:00:00Z'),
      until: Date.parse('2026-11-20T10:05:00Z'),
    });
    expect(c.matches.map((m) => m.line)).toEqual([2, 3, 4]);
  });
});

describe('search_logs validators', () => {
  const action = {
    kind: 'search_logs',
    sources: [{ type: 'file', path: '/var/log/app.log' }],
    query: { mode: 'regex', pattern: 'x+', timeoutMs: 1000 },
    context: 2,
    maxMatches: 100,
    allow: ['/var/log/**'],
    deny: [],
  };

  it('takes a well-formed action and refuses a window that ends before it starts', () => {
    expect(searchLogs(action).ok).toBe(true);
    expect(searchLogs({ ...action, since: 10, until: 5 })).toMatchObject({
      ok: false,
      path: ['until'],
    });
    expect(searchLogs({ ...action, context: 11 }).ok).toBe(false);
  });

  it('refuses a result with an unknown key or a bad refusal reason', () => {
    const result = {
      runId: '00000000-0000-4000-8000-000000000000',
      files: [],
      refused: [{ source: 0, path: '/x', reason: 'denied', message: 'no' }],
      truncated: false,
      searchedAt: 1,
    };
    expect(searchResultBody(result).ok).toBe(true);
    expect(searchResultBody({ ...result, extra: 1 }).ok).toBe(false);
    expect(
      searchResultBody({ ...result, refused: [{ ...result.refused[0], reason: 'nope' }] }).ok,
    ).toBe(false);
  });
});
