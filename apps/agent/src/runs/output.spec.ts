import { BODY_VALIDATORS, type OutputBody } from '@fleetdesk/protocol';
import { OutputCollector, splitText, type OutputCollectorOptions } from './output';

const RUN_ID = '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d';

function collector(extra: Partial<OutputCollectorOptions> = {}) {
  const chunks: OutputBody[] = [];
  const c = new OutputCollector({
    runId: RUN_ID,
    maxBytes: 1024 * 1024,
    emit: (chunk) => chunks.push(chunk),
    ...extra,
  });
  return { c, chunks };
}

const text = (chunks: OutputBody[], stream?: 'stdout' | 'stderr') =>
  chunks
    .filter((c) => !stream || c.stream === stream)
    .map((c) => c.data)
    .join('');

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('OutputCollector', () => {
  it('batches writes and flushes 100 ms after the first byte', () => {
    const { c, chunks } = collector();
    c.push('stdout', Buffer.from('a\n'));
    jest.advanceTimersByTime(50);
    c.push('stdout', Buffer.from('b\n'));
    expect(chunks).toEqual([]);
    jest.advanceTimersByTime(50);
    expect(chunks).toEqual([{ runId: RUN_ID, seq: 0, stream: 'stdout', data: 'a\nb\n' }]);
    expect(c.finish()).toEqual({ lastSeq: 0, outputBytes: 4, truncated: false });
    expect(jest.getTimerCount()).toBe(0);
  });

  it('keeps the order across streams, numbering chunks 0, 1, 2 …', () => {
    const { c, chunks } = collector();
    c.push('stdout', Buffer.from('one '));
    c.push('stderr', Buffer.from('two '));
    c.push('stdout', Buffer.from('three'));
    c.finish();
    expect(chunks.map((ch) => [ch.seq, ch.stream, ch.data])).toEqual([
      [0, 'stdout', 'one '],
      [1, 'stderr', 'two '],
      [2, 'stdout', 'three'],
    ]);
  });

  it('flushes at once when a batch reaches 16 KiB', () => {
    const { c, chunks } = collector();
    c.push('stdout', Buffer.alloc(10 * 1024, 'x'));
    expect(chunks).toHaveLength(0);
    c.push('stdout', Buffer.alloc(7 * 1024, 'y'));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.data).toHaveLength(17 * 1024);
  });

  it('splits a large read into chunks of at most chunkLength characters', () => {
    const { c, chunks } = collector({ chunkLength: 1000 });
    c.push('stdout', Buffer.alloc(20_000, 'z'));
    c.finish();
    expect(chunks.map((ch) => ch.data.length)).toEqual([...Array.from({ length: 20 }, () => 1000)]);
    expect(chunks.map((ch) => ch.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('decodes a UTF-8 character split across reads and batches whole', () => {
    const { c, chunks } = collector({ flushBytes: 1 });
    const bytes = Buffer.from('é€😀', 'utf8'); // 2 + 3 + 4 bytes
    for (const byte of bytes) c.push('stdout', Buffer.from([byte]));
    c.finish();
    expect(text(chunks)).toBe('é€😀');
    expect(chunks.every((ch) => !ch.data.includes('\ufffd'))).toBe(true);
  });

  it('never cuts a surrogate pair when splitting', () => {
    const pieces = splitText('a😀b😀', 2);
    expect(pieces.join('')).toBe('a😀b😀');
    for (const piece of pieces) expect(BODY_VALIDATORS.output(body(piece)).ok).toBe(true);
    expect(pieces).toEqual(['a', '😀', 'b', '😀']);
  });

  it('stops at maxOutputBytes with one marker chunk, and drops the rest', () => {
    const { c, chunks } = collector({ maxBytes: 1024 });
    c.push('stdout', Buffer.alloc(1000, 'a'));
    c.push('stderr', Buffer.alloc(100, 'b'));
    c.push('stdout', Buffer.alloc(5000, 'c'));
    c.push('stderr', Buffer.from('never seen'));
    const summary = c.finish();
    expect(summary).toEqual({ lastSeq: 1, outputBytes: 1024, truncated: true });
    expect(text(chunks, 'stdout')).toBe('a'.repeat(1000));
    expect(text(chunks, 'stderr')).toBe(
      `${'b'.repeat(24)}\n[fleetdesk: output truncated after 1024 bytes]\n`,
    );
    expect(text(chunks)).not.toContain('never seen');
    expect(chunks.filter((ch) => ch.data.includes('truncated'))).toHaveLength(1);
  });

  it('replaces NUL, which the wire refuses, and every chunk passes the protocol validator', () => {
    const { c, chunks } = collector();
    c.push('stdout', Buffer.from([0x41, 0x00, 0x42, 0xff, 0x0a]));
    c.finish();
    expect(text(chunks)).toBe('A\ufffdB\ufffd\n');
    for (const chunk of chunks) expect(BODY_VALIDATORS.output(chunk).ok).toBe(true);
  });

  it('ignores output after finish()', () => {
    const { c, chunks } = collector();
    c.push('stdout', Buffer.from('x'));
    c.finish();
    c.push('stdout', Buffer.from('late'));
    jest.advanceTimersByTime(1_000);
    expect(text(chunks)).toBe('x');
  });
});

const body = (data: string): OutputBody => ({ runId: RUN_ID, seq: 0, stream: 'stdout', data });
