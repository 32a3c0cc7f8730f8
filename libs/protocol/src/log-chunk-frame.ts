import type { FrameErrorCode } from './errors';
import { LOG_LIMITS } from './logs';
import { messageId, uuid } from './messages';
import { formatPath, int, object, oneOf, string } from './validate';

/**
 * A log upload's chunk over the agent's socket (protocol 7): one binary WebSocket frame, so
 * the ~100 KiB of gzip travel as they are (base64 in a JSON frame would add a third and a
 * copy on each side). Layout: a 2-byte big-endian header length, the header as UTF-8 JSON,
 * then the body: exactly what the HTTP PUT of the same chunks carries. The server answers
 * `log_chunk_ack` or `error`, each naming the header's id.
 */
export interface LogChunkHeader {
  type: 'log_chunk';
  /** Chosen by the agent like a message id; the answer's `refId`. */
  id: string;
  runId: string;
  /** The file's index in the manifest. */
  index: number;
  /** The first chunk the body holds. */
  seq: number;
  /** Consecutive chunks in the body (one gzip of their bytes), up to chunksPerRequest. */
  count: number;
  /** Hex SHA-256 of the body as sent. */
  sha256: string;
}

/** A header is a few hundred bytes at most; anything longer is not one. */
export const LOG_CHUNK_HEADER_MAX_BYTES = 512;
/** The largest body: chunksPerRequest chunks of incompressible data, gzip's overhead included. */
export const LOG_CHUNK_BODY_MAX_BYTES = LOG_LIMITS.chunksPerRequest * LOG_LIMITS.maxWireChunkBytes;
/** The `ws` maxPayload where binary chunk frames are taken (JSON frames keep MAX_FRAME_BYTES). */
export const MAX_LOG_CHUNK_FRAME_BYTES = 2 + LOG_CHUNK_HEADER_MAX_BYTES + LOG_CHUNK_BODY_MAX_BYTES;

const header = object<LogChunkHeader>({
  type: oneOf(['log_chunk'] as const),
  id: messageId,
  runId: uuid,
  index: int({ min: 0, max: LOG_LIMITS.filesPerBundle - 1 }),
  seq: int({ min: 0, max: Math.ceil(LOG_LIMITS.maxBytesPerSource.max / LOG_LIMITS.chunkBytes) }),
  count: int({ min: 1, max: LOG_LIMITS.chunksPerRequest }),
  sha256: string({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, expected: 'a hex SHA-256' }),
});

export type LogChunkParse =
  | { ok: true; header: LogChunkHeader; body: Buffer }
  | { ok: false; code: FrameErrorCode; message: string; refId?: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The frame for `body`; throws on a header or body the receiver would refuse (a sender bug). */
export function encodeLogChunkFrame(fields: Omit<LogChunkHeader, 'type'>, body: Buffer): Buffer {
  const h: LogChunkHeader = { type: 'log_chunk', ...fields };
  const check = header(h);
  if (!check.ok) {
    throw new Error(`invalid log chunk header at ${formatPath(check.path)}: ${check.reason}`);
  }
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  if (json.length > LOG_CHUNK_HEADER_MAX_BYTES) throw new Error('log chunk header too long');
  if (body.length < 1 || body.length > fields.count * LOG_LIMITS.maxWireChunkBytes) {
    throw new Error(
      `a body of ${fields.count} chunks is 1 to ${fields.count * LOG_LIMITS.maxWireChunkBytes} bytes`,
    );
  }
  const frame = Buffer.allocUnsafe(2 + json.length + body.length);
  frame.writeUInt16BE(json.length, 0);
  json.copy(frame, 2);
  body.copy(frame, 2 + json.length);
  return frame;
}

/**
 * Reads a binary chunk frame from an untrusted peer: never throws, and says what is wrong
 * (with the header's id once it is known, so the answer can name it). The body is a view of
 * `frame`, not a copy.
 */
export function parseLogChunkFrame(frame: Buffer): LogChunkParse {
  if (frame.length < 2) {
    return { ok: false, code: 'INVALID_ENVELOPE', message: 'log chunk frame without a header' };
  }
  const length = frame.readUInt16BE(0);
  if (length > LOG_CHUNK_HEADER_MAX_BYTES || 2 + length > frame.length) {
    return {
      ok: false,
      code: 'INVALID_ENVELOPE',
      message: `log chunk header length ${length} is over ${LOG_CHUNK_HEADER_MAX_BYTES} bytes or past the frame`,
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(utf8.decode(frame.subarray(2, 2 + length)));
  } catch {
    return { ok: false, code: 'INVALID_JSON', message: 'log chunk header is not UTF-8 JSON' };
  }
  const check = header(data);
  // The id, when it is one, names the frame in the answer even if the rest is wrong.
  const id = (data as { id?: unknown } | null)?.id;
  const refId = messageId(id).ok ? (id as string) : undefined;
  if (!check.ok) {
    return {
      ok: false,
      code: 'INVALID_BODY',
      message: `invalid log chunk header at ${formatPath(check.path) || '(root)'}: ${check.reason}`,
      ...(refId ? { refId } : {}),
    };
  }
  const body = frame.subarray(2 + length);
  const max = check.value.count * LOG_LIMITS.maxWireChunkBytes;
  if (body.length < 1 || body.length > max) {
    return {
      ok: false,
      code: body.length < 1 ? 'INVALID_BODY' : 'FRAME_TOO_LARGE',
      message: `a body of ${check.value.count} chunks is 1 to ${max} bytes, not ${body.length}`,
      refId: check.value.id,
    };
  }
  return { ok: true, header: check.value, body };
}
