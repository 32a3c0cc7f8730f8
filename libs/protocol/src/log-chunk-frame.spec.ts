import { randomBytes } from 'node:crypto';
import {
  encodeLogChunkFrame,
  LOG_CHUNK_BODY_MAX_BYTES,
  LOG_CHUNK_HEADER_MAX_BYTES,
  type LogChunkHeader,
  MAX_LOG_CHUNK_FRAME_BYTES,
  parseLogChunkFrame,
} from './log-chunk-frame';
import { MAX_FRAME_BYTES } from './envelope';
import { LOG_LIMITS } from './logs';

const fields = {
  id: 'chunk-0123456789ab',
  runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
  index: 2,
  seq: 8,
  count: 4,
  sha256: 'e'.repeat(64),
};

/** A frame with a hand-made header, for what encodeLogChunkFrame refuses to build. */
function rawFrame(header: unknown, body = Buffer.from('gzip bytes')): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const length = Buffer.alloc(2);
  length.writeUInt16BE(json.length);
  return Buffer.concat([length, json, body]);
}

const failed = (frame: Buffer) => {
  const parsed = parseLogChunkFrame(frame);
  if (parsed.ok) throw new Error('expected the frame to be refused');
  return parsed;
};

describe('log chunk frames', () => {
  it('round-trips the header and the body byte for byte', () => {
    const body = randomBytes(100_000);
    const parsed = parseLogChunkFrame(encodeLogChunkFrame(fields, body));
    expect(parsed).toEqual({ ok: true, header: { type: 'log_chunk', ...fields }, body });
  });

  it('takes the largest body four chunks may be, past the JSON frame limit', () => {
    expect(MAX_LOG_CHUNK_FRAME_BYTES).toBeGreaterThan(MAX_FRAME_BYTES);
    expect(LOG_CHUNK_BODY_MAX_BYTES).toBe(
      LOG_LIMITS.chunksPerRequest * LOG_LIMITS.maxWireChunkBytes,
    );
    const frame = encodeLogChunkFrame(fields, Buffer.alloc(LOG_CHUNK_BODY_MAX_BYTES, 1));
    expect(frame.length).toBeLessThanOrEqual(MAX_LOG_CHUNK_FRAME_BYTES);
    expect(parseLogChunkFrame(frame).ok).toBe(true);
  });

  it('refuses a body over its count of chunks, naming the frame', () => {
    const over = rawFrame(
      { type: 'log_chunk', ...fields, count: 1 },
      Buffer.alloc(LOG_LIMITS.maxWireChunkBytes + 1),
    );
    expect(failed(over)).toMatchObject({ code: 'FRAME_TOO_LARGE', refId: fields.id });
    expect(failed(rawFrame({ type: 'log_chunk', ...fields }, Buffer.alloc(0)))).toMatchObject({
      code: 'INVALID_BODY',
      refId: fields.id,
    });
    expect(() => encodeLogChunkFrame({ ...fields, count: 1 }, Buffer.alloc(300_000))).toThrow();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a wrong type', { type: 'log_manifest' }, 'type'],
    ['a count over chunksPerRequest', { count: LOG_LIMITS.chunksPerRequest + 1 }, 'count'],
    ['a count of 0', { count: 0 }, 'count'],
    ['a negative seq', { seq: -1 }, 'seq'],
    ['a fractional index', { index: 1.5 }, 'index'],
    ['an index past the bundle limit', { index: LOG_LIMITS.filesPerBundle }, 'index'],
    ['a run id that is not a uuid', { runId: '../../etc' }, 'runId'],
    ['an upper-case SHA-256', { sha256: 'E'.repeat(64) }, 'sha256'],
    ['a numeric seq in a string', { seq: '8' }, 'seq'],
    ['an unknown field', { extra: 1 }, 'extra'],
  ])('refuses a header with %s, naming the frame and the field', (_what, change, field) => {
    const error = failed(rawFrame({ type: 'log_chunk', ...fields, ...change }));
    expect(error).toMatchObject({ code: 'INVALID_BODY', refId: fields.id });
    expect(error.message).toContain(field);
  });

  it('refuses a header without a usable id without naming one', () => {
    const { id: _id, ...noId } = fields;
    expect(failed(rawFrame({ type: 'log_chunk', ...noId })).refId).toBeUndefined();
    expect(failed(rawFrame({ type: 'log_chunk', ...fields, id: 'short' })).refId).toBeUndefined();
  });

  it('refuses frames that are not a header and a body', () => {
    expect(failed(Buffer.alloc(0)).code).toBe('INVALID_ENVELOPE');
    expect(failed(Buffer.from([0])).code).toBe('INVALID_ENVELOPE');
    // A length past the frame, or past the header limit.
    expect(failed(Buffer.from([0, 50, 123])).code).toBe('INVALID_ENVELOPE');
    const long = Buffer.alloc(2 + LOG_CHUNK_HEADER_MAX_BYTES + 10, 0x20);
    long.writeUInt16BE(LOG_CHUNK_HEADER_MAX_BYTES + 1);
    expect(failed(long).code).toBe('INVALID_ENVELOPE');
    expect(failed(rawFrame('{not json')).code).toBe('INVALID_JSON');
    expect(failed(rawFrame(Buffer.from([0xff, 0xfe]).toString('latin1'))).code).toBe(
      'INVALID_JSON',
    );
    expect(failed(rawFrame('null')).code).toBe('INVALID_BODY');
    expect(failed(rawFrame('[1,2]')).code).toBe('INVALID_BODY');
  });

  it('never throws on random bytes', () => {
    for (let i = 0; i < 2000; i++) {
      const frame = randomBytes(Math.floor(Math.random() * 64));
      if (i % 2 && frame.length >= 2)
        frame.writeUInt16BE(Math.max(0, frame.length - 2 - (i % 5)), 0);
      expect(() => parseLogChunkFrame(frame)).not.toThrow();
    }
  });

  it('builds only headers the receiver takes', () => {
    expect(() => encodeLogChunkFrame({ ...fields, sha256: 'x' }, Buffer.from('a'))).toThrow(
      /sha256/,
    );
    const header: LogChunkHeader = { type: 'log_chunk', ...fields };
    expect(Object.keys(header)).toHaveLength(7);
  });
});
