import {
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  SUPPORTED_VERSIONS,
  encodeFrame,
  encodeTrustedFrame,
  newMessageId,
  parseFrame,
  type FrameError,
  type ParseResult,
} from './envelope';
import { CloseCode, ERROR_CODES, FRAME_ERROR_CODES, ProtocolError } from './errors';
import { messageId, type MessageType } from './messages';
import { rawFrame, sampleBodies } from './test-support/samples';

function errorOf(result: ParseResult<unknown>): FrameError {
  if (result.ok) throw new Error('expected parseFrame to fail');
  return result.error;
}

/** A valid frame padded with trailing JSON whitespace to exactly `bytes` bytes. */
function frameOfSize(bytes: number): string {
  const frame = rawFrame({});
  return frame + ' '.repeat(bytes - Buffer.byteLength(frame));
}

describe('constants', () => {
  it('pins the version, limits and close codes both sides rely on', () => {
    expect(PROTOCOL_VERSION).toBe(7);
    expect(SUPPORTED_VERSIONS).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(MAX_FRAME_BYTES).toBe(1_048_576);
    expect(CloseCode).toEqual({
      NORMAL: 1000,
      GOING_AWAY: 1001,
      POLICY_VIOLATION: 1008,
      MESSAGE_TOO_BIG: 1009,
      INTERNAL_ERROR: 1011,
      AUTH_FAILED: 4001,
      REVOKED: 4002,
      REPLACED: 4003,
      UNSUPPORTED_VERSION: 4004,
      HANDSHAKE_TIMEOUT: 4005,
    });
    expect(ERROR_CODES).toEqual(expect.arrayContaining([...FRAME_ERROR_CODES, 'AUTH_FAILED']));
  });
});

describe('parseFrame errors', () => {
  it('FRAME_TOO_LARGE above the limit, with close code 1009', () => {
    expect(parseFrame(frameOfSize(MAX_FRAME_BYTES)).ok).toBe(true);
    const error = errorOf(parseFrame(frameOfSize(MAX_FRAME_BYTES + 1)));
    expect(error).toMatchObject({ code: 'FRAME_TOO_LARGE', closeCode: 1009 });
    expect(error.message).toContain(String(MAX_FRAME_BYTES));
    expect(errorOf(parseFrame(Buffer.alloc(MAX_FRAME_BYTES + 1, 0x20))).code).toBe(
      'FRAME_TOO_LARGE',
    );
  });

  it('counts UTF-8 bytes, not string length', () => {
    // 600k characters, 1.2 MB on the wire.
    const frame = rawFrame({ body: { ackId: 'fedcba9876543210' }, pad: 'é'.repeat(600_000) });
    expect(frame.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(errorOf(parseFrame(frame)).code).toBe('FRAME_TOO_LARGE');
  });

  it('honours a custom maxBytes', () => {
    const frame = rawFrame({});
    const size = Buffer.byteLength(frame);
    expect(parseFrame(frame, { maxBytes: size }).ok).toBe(true);
    expect(errorOf(parseFrame(frame, { maxBytes: size - 1 })).code).toBe('FRAME_TOO_LARGE');
    expect(errorOf(parseFrame(Buffer.from(frame), { maxBytes: size - 1 })).code).toBe(
      'FRAME_TOO_LARGE',
    );
  });

  it.each([['{'], [''], ['{"v":1,}'], ['undefined'], ["{'v':1}"]])('INVALID_JSON for %j', (raw) => {
    const error = errorOf(parseFrame(raw));
    expect(error.code).toBe('INVALID_JSON');
    expect(error.closeCode).toBeUndefined();
  });

  it('INVALID_JSON for invalid UTF-8 and for inputs that are not text', () => {
    const badUtf8 = Buffer.concat([
      Buffer.from('{"v":1,"x":"'),
      Buffer.from([0xc3, 0x28, 0x22, 0x7d]),
    ]);
    expect(errorOf(parseFrame(badUtf8)).message).toMatch(/UTF-8/);
    const notText: unknown[] = [undefined, null, 42, {}, [Buffer.from('{}')]];
    for (const bad of notText) {
      expect(errorOf(parseFrame(bad as string)).code).toBe('INVALID_JSON');
    }
  });

  it.each<[string, string, string]>([
    ['null', '', 'expected an object'],
    ['[1]', '', 'expected an object'],
    ['"hello"', '', 'expected an object'],
    ['{"type":"ack"}', 'v', 'expected an integer protocol version'],
    [rawFrame({ v: '1' }), 'v', 'expected an integer protocol version'],
    [rawFrame({ v: 1.5 }), 'v', 'expected an integer protocol version'],
    [rawFrame({ type: undefined }), 'type', 'required'],
    [rawFrame({ type: 'Ack' }), 'type', 'expected a lowercase message type'],
    [rawFrame({ type: 't'.repeat(65) }), 'type', 'longer than 64 characters'],
    [rawFrame({ id: undefined }), 'id', 'required'],
    [rawFrame({ id: 'short' }), 'id', 'shorter than 16 characters'],
    [rawFrame({ id: 'x'.repeat(65) }), 'id', 'longer than 64 characters'],
    [
      rawFrame({ id: '0123456789abcdef!' }),
      'id',
      'expected a message id (16-64 characters of [A-Za-z0-9_-])',
    ],
    [rawFrame({ id: 1234567890123456 }), 'id', 'expected a string'],
    [rawFrame({ ts: -1 }), 'ts', 'must be between 0 and 8640000000000000'],
    [rawFrame({ ts: 1.5 }), 'ts', 'expected an integer'],
    [rawFrame({ ts: '2024-01-01' }), 'ts', 'expected an integer'],
    [rawFrame({ body: undefined }), 'body', 'required'],
    [rawFrame({ body: null }), 'body', 'expected an object'],
    [rawFrame({ body: [] }), 'body', 'expected an object'],
    [rawFrame({ sig: 'abc' }), 'sig', 'unknown field'],
  ])('INVALID_ENVELOPE for %s', (raw, path, reason) => {
    const error = errorOf(parseFrame(raw));
    expect(error).toMatchObject({ code: 'INVALID_ENVELOPE', path, reason });
    expect(error.closeCode).toBeUndefined();
  });

  it.each([8, 0, -1, 999])('UNSUPPORTED_VERSION for v=%p, naming the supported ones', (v) => {
    const error = errorOf(parseFrame(rawFrame({ v })));
    expect(error.code).toBe('UNSUPPORTED_VERSION');
    expect(error.closeCode).toBe(CloseCode.UNSUPPORTED_VERSION);
    expect(error.message).toBe(
      `unsupported protocol version ${v}; supported versions: 1, 2, 3, 4, 5, 6, 7`,
    );
  });

  it('checks the version before the rest of the envelope', () => {
    // A future envelope may look different; "wrong version" is the useful answer.
    expect(errorOf(parseFrame('{"v":8,"kind":"hello"}')).code).toBe('UNSUPPORTED_VERSION');
  });

  it('keeps close-worthy messages short enough for a WebSocket close reason', () => {
    const errors = [
      errorOf(parseFrame(rawFrame({ v: 1e300 }))),
      errorOf(parseFrame(rawFrame({ v: Number.MAX_SAFE_INTEGER }))),
      errorOf(parseFrame('x'.repeat(MAX_FRAME_BYTES * 2))),
    ];
    for (const error of errors) {
      expect(error.closeCode).toBeDefined();
      expect(Buffer.byteLength(error.message)).toBeLessThanOrEqual(123);
    }
  });

  it('UNKNOWN_TYPE for unknown types, with the id to reply to', () => {
    const error = errorOf(parseFrame(rawFrame({ type: 'reboot', id: 'abcdefabcdef0123' })));
    expect(error).toMatchObject({
      code: 'UNKNOWN_TYPE',
      type: 'reboot',
      refId: 'abcdefabcdef0123',
    });
    expect(error.message).toBe("unknown message type 'reboot'");
    expect(error.closeCode).toBeUndefined();
  });

  it('UNKNOWN_TYPE for Object.prototype names', () => {
    for (const type of ['constructor', 'valueof', 'tostring']) {
      expect(errorOf(parseFrame(rawFrame({ type, body: {} }))).code).toBe('UNKNOWN_TYPE');
    }
  });

  it('UNKNOWN_TYPE for a type that flows the other way', () => {
    const hello = encodeFrame('hello', sampleBodies().hello);
    const error = errorOf(parseFrame(hello, { from: 'agent' }));
    expect(error).toMatchObject({ code: 'UNKNOWN_TYPE', type: 'hello' });
    expect(error.message).toBe("unknown message type 'hello' from the agent");
    const heartbeat = encodeFrame('heartbeat', sampleBodies().heartbeat);
    expect(errorOf(parseFrame(heartbeat, { from: 'server' })).code).toBe('UNKNOWN_TYPE');
  });

  it('INVALID_BODY names the type, the field path and the reason', () => {
    const error = errorOf(parseFrame(rawFrame({ type: 'ack', body: { ackId: 7 } })));
    expect(error).toEqual({
      code: 'INVALID_BODY',
      message: 'invalid ack body at body.ackId: expected a string',
      path: 'body.ackId',
      reason: 'expected a string',
      type: 'ack',
      refId: '0123456789abcdef',
    });
  });

  it('triggers every frame error code, and each can be sent back as an `error` reply', () => {
    const inputs: (string | Buffer)[] = [
      frameOfSize(MAX_FRAME_BYTES + 1),
      '{',
      '[]',
      rawFrame({ v: 8 }),
      rawFrame({ type: 'nope' }),
      rawFrame({ body: {} }),
    ];
    const errors = inputs.map((raw) => errorOf(parseFrame(raw)));
    expect(errors.map((e) => e.code).sort()).toEqual([...FRAME_ERROR_CODES].sort());
    for (const e of errors) {
      const reply = parseFrame(
        encodeFrame('error', { code: e.code, message: e.message, refId: e.refId }),
      );
      expect(reply.ok && reply.message.body).toMatchObject({ code: e.code, message: e.message });
    }
  });
});

describe('encodeFrame', () => {
  it('stamps the current version, a fresh id and the time', () => {
    const before = Date.now();
    const envelope = JSON.parse(encodeFrame('ack', { ackId: 'fedcba9876543210' }));
    expect(Object.keys(envelope).sort()).toEqual(['body', 'id', 'ts', 'type', 'v']);
    expect(envelope.v).toBe(PROTOCOL_VERSION);
    expect(envelope.type).toBe('ack');
    expect(messageId(envelope.id).ok).toBe(true);
    expect(envelope.ts).toBeGreaterThanOrEqual(before);
    expect(envelope.body).toEqual({ ackId: 'fedcba9876543210' });
    const other = JSON.parse(encodeFrame('ack', { ackId: 'fedcba9876543210' }));
    expect(other.id).not.toBe(envelope.id);
  });

  it('uses a given id and drops undefined optional fields', () => {
    const frame = encodeFrame(
      'error',
      { code: 'RATE_LIMITED', message: 'slow down', refId: undefined },
      'my-id-0123456789',
    );
    expect(JSON.parse(frame)).toMatchObject({
      id: 'my-id-0123456789',
      body: { code: 'RATE_LIMITED', message: 'slow down' },
    });
    expect(frame).not.toContain('refId');
  });

  it('throws ProtocolError for a bad id or an unknown type', () => {
    expect(() => encodeFrame('ack', { ackId: 'fedcba9876543210' }, 'short')).toThrow(
      expect.objectContaining({ name: 'ProtocolError', code: 'INVALID_ENVELOPE' }),
    );
    expect(() => encodeFrame('reboot' as MessageType, {} as never)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TYPE' }),
    );
  });

  it('throws FRAME_TOO_LARGE instead of sending a frame the peer would close on', () => {
    const software = Array.from({ length: 20_000 }, (_, i) => ({
      name: `package-with-a-fairly-long-name-${i}`,
      version: '1.2.3-4ubuntu5.6',
      source: 'dpkg' as const,
    }));
    const inventory = { ...sampleBodies().inventory, software };
    let thrown: unknown;
    try {
      encodeFrame('inventory', inventory);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ProtocolError);
    expect(thrown).toMatchObject({ code: 'FRAME_TOO_LARGE' });
  });

  it('encodeTrustedFrame: the same frame without validating the body, other checks kept', () => {
    for (const [type, body] of Object.entries(sampleBodies()) as [MessageType, never][]) {
      const parsed = parseFrame(encodeTrustedFrame(type, body));
      expect(parsed.ok && parsed.message.body).toEqual(body);
    }
    const frame = JSON.parse(encodeTrustedFrame('results_ack', { runIds: ['x'] }, 2));
    expect(frame).toMatchObject({ v: 2, type: 'results_ack', body: { runIds: ['x'] } });
    expect(messageId(frame.id).ok).toBe(true);
    expect(() => encodeTrustedFrame('results_ack', { runIds: ['x'] }, 1)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TYPE' }),
    );
    expect(() => encodeTrustedFrame('reboot' as MessageType, {} as never)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_TYPE' }),
    );
    const huge = { ...sampleBodies().error, message: 'é'.repeat(MAX_FRAME_BYTES / 2) };
    expect(() => encodeTrustedFrame('error', huge)).toThrow(
      expect.objectContaining({ code: 'FRAME_TOO_LARGE' }),
    );
  });

  it('newMessageId makes valid, distinct ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, newMessageId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(messageId(id).ok).toBe(true);
  });
});
