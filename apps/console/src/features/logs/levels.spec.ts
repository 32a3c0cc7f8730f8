import { describe, expect, it } from '@jest/globals';
import { LevelCache, levelOfLine } from './levels';

describe('levelOfLine', () => {
  it.each([
    ['<3>kernel: oops', 'error'],
    ['<12>Nov 20 10:00:00 host app: low disk', 'warn'],
    ['<14>plain info', 'info'],
    ['<15>debugging', 'debug'],
    ['2026-11-20T10:00:00.000Z ERROR request failed', 'error'],
    ['2026-11-20T10:00:00.000Z WARN slow', 'warn'],
    ['2026-11-20T10:00:00.000Z INFO request 3 served', 'info'],
    ['2026-11-20 10:00:00 DEBUG cache miss', 'debug'],
    ['2026-11-20 FATAL out of memory', 'error'],
    ['[Thu Nov 20 10:00:00 2026] [warn] [client 1.2.3.4] odd', 'warn'],
    ['[error] upstream timed out', 'error'],
    ['time=2026-11-20T10:00:00Z level=info msg="started"', 'info'],
    ['{"level":"error","msg":"boom"}', 'error'],
    ['2026-11-20T10:00:00.000000+0000 host nginx[1]: error: bind failed', 'error'],
    ['2026-11-20T10:00:00.000000+0000 host systemd[1]: Failed to start nginx.service.', 'error'],
    ['  Level: Warning', 'warn'],
  ])('%s → %s', (line, level) => {
    expect(levelOfLine(line)).toBe(level);
  });

  it.each([
    ['2026-11-20T10:00:00.000000+0000 host nginx[1]: started'],
    ['no error was found in the request'],
    ['an informative sentence about debugging'],
    [''],
  ])('%s has no level', (line) => {
    expect(levelOfLine(line)).toBeNull();
  });
});

describe('LevelCache on Event Log text', () => {
  const lines = [
    'Event[0]:',
    '  Log Name: System',
    '  Source: Service Control Manager',
    '  Level: Error',
    '  Description:',
    'The service terminated unexpectedly.',
    'Event[1]:',
    '  Log Name: System',
    '  Level: Information',
    '  Description:',
    'The service entered the running state.',
  ];
  const cache = new LevelCache((i) => lines[i]!, lines.length);

  it("colours every line of a record by the record's level", () => {
    expect([0, 1, 3, 5].map((i) => cache.levelOf(i))).toEqual(['error', 'error', 'error', 'error']);
    expect([6, 8, 10].map((i) => cache.levelOf(i))).toEqual(['info', 'info', 'info']);
  });

  it('classifies other logs line by line', () => {
    const plain = ['INFO a', 'ERROR b', 'c'];
    const c = new LevelCache((i) => plain[i]!, plain.length);
    expect([0, 1, 2].map((i) => c.levelOf(i))).toEqual(['info', 'error', null]);
  });
});
