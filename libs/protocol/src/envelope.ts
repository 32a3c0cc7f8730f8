import { randomUUID } from 'node:crypto';
import { CloseCode, ProtocolError, type FrameErrorCode } from './errors';
import {
  BODY_VALIDATORS,
  MESSAGE_SINCE_VERSION,
  epochMs,
  isAgentMessageType,
  isMessageType,
  isServerMessageType,
  messageId,
  type AgentToServer,
  type MessageBodies,
  type MessageType,
  type ServerToAgent,
} from './messages';
import { formatPath, int, object, string, type PathSegment, type Validator } from './validate';

/**
 * The version this build speaks. 2 added batch-signed runs (`run.batch`), results with their
 * output inline (`result.output`) and `results_ack`; 3 added agent checks (`checks`,
 * `check_results`), which the server therefore never sends to an older agent; 4 added live
 * follow (`follow_start`, `follow_stop`, `follow_keepalive`, `follow_status`, `follow_lines`); 5
 * added the file browser's directory listing (`list_dir`, `dir_listing`); 6 added website
 * checks run from chosen devices (`web_checks`, `web_check_results`); 7 added log uploads over
 * the socket (`log_manifest`, `log_upload_state`, `log_chunk_ack` and binary chunk frames, see
 * log-chunk-frame.ts).
 */
export const PROTOCOL_VERSION = 7;

/**
 * Versions this build can parse. A newer server keeps older versions here while agents in
 * the field catch up; a peer speaking anything else is closed with 4004. The server greets
 * in the oldest version (it does not know the agent's yet) and answers each agent in the
 * version of its `auth` frame, so a version-1 agent never sees a frame it cannot read.
 */
export const SUPPORTED_VERSIONS = [1, 2, 3, 4, 5, 6, PROTOCOL_VERSION] as const;
/** The version a peer of unknown version is greeted in. */
export const OLDEST_VERSION: ProtocolVersion = SUPPORTED_VERSIONS[0];
export type ProtocolVersion = (typeof SUPPORTED_VERSIONS)[number];

/**
 * The size limit of every JSON frame. A binary log chunk frame (protocol 7) may be larger:
 * `ws`'s maxPayload is MAX_LOG_CHUNK_FRAME_BYTES where such frames are taken, and each JSON
 * frame is checked against this limit when it is parsed.
 */
export const MAX_FRAME_BYTES = 1024 * 1024;

export interface Envelope<T extends string = string, B = unknown> {
  v: ProtocolVersion;
  type: T;
  /** Unique per message, chosen by the sender; acks and error replies refer to it. */
  id: string;
  /** Epoch ms at the sender. */
  ts: number;
  body: B;
}

/** Discriminated union of envelopes for a type map: switch on `message.type`. */
export type MessageUnion<M> = {
  [K in keyof M & string]: Envelope<K, M[K]>;
}[keyof M & string];

export type AgentMessage = MessageUnion<AgentToServer>;
export type ServerMessage = MessageUnion<ServerToAgent>;
export type AnyMessage = MessageUnion<MessageBodies>;
export type MessageOf<T extends MessageType> = Envelope<T, MessageBodies[T]>;

/** Who sent the frame being parsed. */
export type Sender = 'agent' | 'server';

export interface FrameError {
  code: FrameErrorCode;
  /** Human readable; at most 123 UTF-8 bytes whenever `closeCode` is set, so it fits a close reason. */
  message: string;
  /** Where the envelope or body is wrong, e.g. `body.disks[2].mount`. */
  path?: string;
  /** Why that field is wrong, e.g. `longer than 1024 characters`. */
  reason?: string;
  /** The message type, once known. */
  type?: string;
  /** The frame's id once it is known to be valid: use it as `refId` in the `error` reply. */
  refId?: string;
  /** Set when the connection should be closed with this code instead of answered. */
  closeCode?: CloseCode;
}

export type ParseResult<M> = { ok: true; message: M } | { ok: false; error: FrameError };

export interface ParseOptions {
  /** Defaults to MAX_FRAME_BYTES. */
  maxBytes?: number;
  /**
   * Who sent the frame. With it, a type that only flows the other way is UNKNOWN_TYPE and the
   * result is narrowed to that direction's union; without it any known type is accepted.
   */
  from?: Sender;
}

const VERSION_LIST = SUPPORTED_VERSIONS.join(', ');
// Reused: decode() without { stream: true } starts afresh on every call.
const utf8 = new TextDecoder('utf-8', { fatal: true });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const anyObject: Validator<Record<string, unknown>> = (input) =>
  isRecord(input)
    ? { ok: true, value: input }
    : { ok: false, path: [], reason: 'expected an object' };

const envelopeShape = object<Envelope<string, Record<string, unknown>>>({
  // Only the type here: the value was already checked against SUPPORTED_VERSIONS.
  v: int({ min: 0, max: Number.MAX_SAFE_INTEGER }) as Validator<ProtocolVersion>,
  type: string({
    min: 1,
    max: 64,
    pattern: /^[a-z][a-z0-9_]*$/,
    expected: 'a lowercase message type',
  }),
  id: messageId,
  ts: epochMs,
  body: anyObject,
});

const failure = (code: FrameErrorCode, message: string, extra?: Partial<FrameError>) =>
  ({ ok: false, error: { code, message, ...extra } }) as const;

function invalid(
  code: 'INVALID_ENVELOPE' | 'INVALID_BODY',
  path: PathSegment[],
  reason: string,
  extra?: Partial<FrameError>,
) {
  const where = formatPath(path);
  const what = code === 'INVALID_BODY' ? `invalid ${extra?.type ?? ''} body` : 'invalid envelope';
  const message = where ? `${what} at ${where}: ${reason}` : `${what}: ${reason}`;
  return failure(code, message, { path: where, reason, ...extra });
}

/**
 * Turns one inbound WebSocket frame into a typed message, or says precisely what is wrong
 * with it. Never throws: the result is the only channel, so a hostile peer cannot crash the
 * handler. On failure, reply `error` with `error.code`, `error.message` and `error.refId`,
 * or close with `error.closeCode` when it is set.
 */
export function parseFrame(
  raw: string | Buffer,
  opts: ParseOptions & { from: 'agent' },
): ParseResult<AgentMessage>;
export function parseFrame(
  raw: string | Buffer,
  opts: ParseOptions & { from: 'server' },
): ParseResult<ServerMessage>;
export function parseFrame(raw: string | Buffer, opts?: ParseOptions): ParseResult<AnyMessage>;
export function parseFrame(raw: string | Buffer, opts: ParseOptions = {}): ParseResult<AnyMessage> {
  try {
    return parse(raw, opts);
  } catch {
    // Belt and braces: nothing below is expected to throw, but a parse must never take the
    // connection handler down with it.
    return failure('INVALID_JSON', 'frame could not be read');
  }
}

function parse(raw: unknown, opts: ParseOptions): ParseResult<AnyMessage> {
  const maxBytes = opts.maxBytes ?? MAX_FRAME_BYTES;
  const tooLarge = () =>
    failure('FRAME_TOO_LARGE', `frame exceeds the ${maxBytes}-byte limit`, {
      closeCode: CloseCode.MESSAGE_TOO_BIG,
    });

  let text: string;
  if (typeof raw === 'string') {
    // A UTF-16 unit is at least one UTF-8 byte, so the cheap length check comes first.
    if (raw.length > maxBytes || Buffer.byteLength(raw, 'utf8') > maxBytes) return tooLarge();
    text = raw;
  } else if (raw instanceof Uint8Array) {
    if (raw.byteLength > maxBytes) return tooLarge();
    try {
      text = utf8.decode(raw);
    } catch {
      return failure('INVALID_JSON', 'frame is not valid UTF-8');
    }
  } else {
    return failure('INVALID_JSON', 'frame must be a string or a Buffer');
  }

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return failure('INVALID_JSON', 'frame is not valid JSON');
  }
  if (!isRecord(data)) return invalid('INVALID_ENVELOPE', [], 'expected an object');

  // The version is checked before the rest of the envelope: a future version may have a
  // different envelope, and "unsupported version" is the useful answer then.
  const v = data.v;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    return invalid('INVALID_ENVELOPE', ['v'], 'expected an integer protocol version');
  }
  if (!(SUPPORTED_VERSIONS as readonly number[]).includes(v)) {
    return failure(
      'UNSUPPORTED_VERSION',
      `unsupported protocol version ${v}; supported versions: ${VERSION_LIST}`,
      { closeCode: CloseCode.UNSUPPORTED_VERSION },
    );
  }

  const envelope = envelopeShape(data);
  if (!envelope.ok) return invalid('INVALID_ENVELOPE', envelope.path, envelope.reason);
  const { type, id, body } = envelope.value;

  const known =
    opts.from === 'agent'
      ? isAgentMessageType(type)
      : opts.from === 'server'
        ? isServerMessageType(type)
        : isMessageType(type);
  if (!known || !isMessageType(type) || (MESSAGE_SINCE_VERSION[type] ?? 1) > v) {
    const who = opts.from ? ` from the ${opts.from}` : '';
    const version = known ? ` in protocol version ${v}` : '';
    return failure('UNKNOWN_TYPE', `unknown message type '${type}'${who}${version}`, {
      type,
      refId: id,
    });
  }

  const check = (BODY_VALIDATORS[type] as Validator<unknown>)(body);
  if (!check.ok) {
    return invalid('INVALID_BODY', ['body', ...check.path], check.reason, { type, refId: id });
  }
  // The envelope and the body for this type are both valid, which is exactly the union member.
  return { ok: true, message: envelope.value as unknown as AnyMessage };
}

/** A fresh message id (a uuid). */
export const newMessageId = (): string => randomUUID();

/**
 * Builds one outbound frame. Pass `id` when you need to match the `ack` to it, and `v` to
 * speak to a peer of an older version (a type that version does not know throws).
 *
 * Throws ProtocolError when the body breaks its own validator or the frame is over
 * MAX_FRAME_BYTES: that is a bug (or untrimmed data) on the sending side, and failing here
 * beats having the peer reject it, or close the socket on every reconnect.
 */
export function encodeFrame<T extends MessageType>(
  type: T,
  body: MessageBodies[T],
  id: string = newMessageId(),
  v: ProtocolVersion = PROTOCOL_VERSION,
): string {
  checkOutbound(type, v);
  const idCheck = messageId(id);
  if (!idCheck.ok) throw new ProtocolError('INVALID_ENVELOPE', `invalid id: ${idCheck.reason}`);
  const check = (BODY_VALIDATORS[type] as Validator<unknown>)(body);
  if (!check.ok) {
    const where = formatPath(['body', ...check.path]);
    throw new ProtocolError('INVALID_BODY', `invalid ${type} body at ${where}: ${check.reason}`);
  }
  return serialize(type, body, id, v);
}

/**
 * encodeFrame for a body of values the sender has already validated or made itself, which
 * therefore is not validated again: the server's run frames in a fan-out (ten thousand of
 * them, their job's fields checked once per job in the first run's full encodeFrame, the
 * rest ids, times, nonces and hashes the server made) and its result acks. The type, the
 * version and the frame size are still checked; the receiver validates every frame anyway.
 */
export function encodeTrustedFrame<T extends MessageType>(
  type: T,
  body: MessageBodies[T],
  v: ProtocolVersion = PROTOCOL_VERSION,
): string {
  checkOutbound(type, v);
  return serialize(type, body, newMessageId(), v);
}

function checkOutbound(type: MessageType, v: ProtocolVersion): void {
  // Re-checked at run time for plain-JS callers and casts.
  if (!isMessageType(type)) {
    throw new ProtocolError('UNKNOWN_TYPE', `unknown message type '${String(type)}'`);
  }
  if ((MESSAGE_SINCE_VERSION[type] ?? 1) > v) {
    throw new ProtocolError('UNKNOWN_TYPE', `protocol version ${v} has no '${type}' message`);
  }
}

function serialize<T extends MessageType>(
  type: T,
  body: MessageBodies[T],
  id: string,
  v: ProtocolVersion,
): string {
  const envelope: MessageOf<T> = { v, type, id, ts: Date.now(), body };
  const frame = JSON.stringify(envelope);
  // A UTF-16 unit is at most three UTF-8 bytes: most frames need no byte count at all.
  if (frame.length * 3 > MAX_FRAME_BYTES && Buffer.byteLength(frame, 'utf8') > MAX_FRAME_BYTES) {
    throw new ProtocolError(
      'FRAME_TOO_LARGE',
      `${type} frame exceeds the ${MAX_FRAME_BYTES}-byte limit; trim it before sending`,
    );
  }
  return frame;
}
