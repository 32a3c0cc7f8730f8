import { describe, expect, it } from '@jest/globals';
import { indexLines, lineAt, lineOfOffset } from './log-text';
import { findMatches, firstMatchFrom, matchesBetween, stepMatch } from './match-finder';

const found = (text: string, q: Parameters<typeof findMatches>[1], cap?: number) => {
  const log = indexLines(text);
  const m = findMatches(log, q, cap);
  return [...m.starts].map((s, k) => text.slice(s, m.ends[k]));
};

describe('indexLines', () => {
  it('counts a final newline as the end of the last line, not a new one', () => {
    expect(indexLines('').lineCount).toBe(0);
    expect(indexLines('a').lineCount).toBe(1);
    expect(indexLines('a\n').lineCount).toBe(1);
    expect(indexLines('a\nb').lineCount).toBe(2);
    expect(indexLines('a\n\n').lineCount).toBe(2);
    expect(indexLines('\n').lineCount).toBe(1);
  });

  it('cuts lines without their newline and without the CR of CRLF files', () => {
    const log = indexLines('one\r\ntwo\n\nfour');
    expect([0, 1, 2, 3].map((i) => lineAt(log, i))).toEqual(['one', 'two', '', 'four']);
    expect(lineAt(indexLines('x\n'), 0)).toBe('x');
  });

  it('finds the line of an offset', () => {
    const log = indexLines('ab\ncd\nef');
    expect([0, 1, 2, 3, 5, 6, 7].map((o) => lineOfOffset(log, o))).toEqual([0, 0, 0, 1, 1, 2, 2]);
  });
});

describe('findMatches', () => {
  it('finds literal text, case-sensitively or not', () => {
    const text = 'Error one\nno error\nERROR two';
    expect(found(text, { mode: 'substring', pattern: 'Error', ignoreCase: false })).toEqual([
      'Error',
    ]);
    expect(found(text, { mode: 'substring', pattern: 'error', ignoreCase: true })).toEqual([
      'Error',
      'error',
      'ERROR',
    ]);
  });

  it('takes regex metacharacters in a substring literally', () => {
    expect(found('a.b axb a.b', { mode: 'substring', pattern: 'a.b', ignoreCase: true })).toEqual([
      'a.b',
      'a.b',
    ]);
  });

  it('matches a regex per line: ^ and $ are line edges, no match spans lines', () => {
    const text = 'start 1\nmiddle\nstart 2 end';
    expect(found(text, { mode: 'regex', pattern: '^start \\d', ignoreCase: false })).toEqual([
      'start 1',
      'start 2',
    ]);
    expect(found(text, { mode: 'regex', pattern: '1[\\s\\S]middle', ignoreCase: false })).toEqual(
      [],
    );
    expect(found(text, { mode: 'regex', pattern: 'd$', ignoreCase: false })).toEqual(['d']);
  });

  it('skips empty matches instead of looping on them', () => {
    expect(found('aaa\nb', { mode: 'regex', pattern: 'x*', ignoreCase: false })).toEqual([]);
    expect(found('aab', { mode: 'regex', pattern: 'a*', ignoreCase: false })).toEqual(['aa']);
  });

  it('stops at the cap and says so', () => {
    const log = indexLines('x '.repeat(1000));
    const m = findMatches(log, { mode: 'substring', pattern: 'x', ignoreCase: false }, 300);
    expect(m.count).toBe(300);
    expect(m.capped).toBe(true);
    const all = findMatches(log, { mode: 'regex', pattern: 'x', ignoreCase: false });
    expect(all.count).toBe(1000);
    expect(all.capped).toBe(false);
  });

  it('finds the same matches on the fast path and the regex path', () => {
    const text = Array.from(
      { length: 500 },
      (_, i) => `line ${i} ${i % 7 === 0 ? 'hit' : 'miss'}`,
    ).join('\n');
    const log = indexLines(text);
    const fast = findMatches(log, { mode: 'substring', pattern: 'hit', ignoreCase: false });
    const slow = findMatches(log, { mode: 'regex', pattern: 'hit', ignoreCase: false });
    expect([...fast.starts]).toEqual([...slow.starts]);
    expect(fast.count).toBe(72);
  });
});

describe('stepping and drawing matches', () => {
  const text = 'foo bar foo\nnothing\nfoo';
  const m = findMatches(indexLines(text), { mode: 'substring', pattern: 'foo', ignoreCase: false });

  it('gives each line its matches relative to the line', () => {
    expect(matchesBetween(m, 0, 11)).toEqual([
      { start: 0, end: 3, index: 0 },
      { start: 8, end: 11, index: 1 },
    ]);
    expect(matchesBetween(m, 12, 19)).toEqual([]);
    expect(matchesBetween(m, 20, 23)).toEqual([{ start: 0, end: 3, index: 2 }]);
    expect(firstMatchFrom(m, 9)).toBe(2);
  });

  it('wraps around at both ends', () => {
    expect(stepMatch(-1, 3, 1)).toBe(0);
    expect(stepMatch(-1, 3, -1)).toBe(2);
    expect(stepMatch(2, 3, 1)).toBe(0);
    expect(stepMatch(0, 3, -1)).toBe(2);
    expect(stepMatch(0, 0, 1)).toBe(-1);
  });
});
