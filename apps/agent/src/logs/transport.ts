import {
  encodeFrame,
  encodeLogChunkFrame,
  LOG_UPLOAD_PERMANENT_ERRORS,
  type LogManifest,
  type LogUploadState,
  newMessageId,
} from '@fleetdesk/protocol';
import type { Session, SessionHandle, UploadReply } from '../connection';

/** One request of an upload: `count` chunks of file `index` from `seq`, one gzip body. */
export interface ChunkRequest {
  runId: string;
  index: number;
  seq: number;
  count: number;
  /** Hex SHA-256 of `body`. */
  sha256: string;
  body: Buffer;
}

/** How a bundle's manifest and chunks reach the server: HTTPS, or the agent's socket. */
export interface UploadTransport {
  readonly name: 'socket' | 'http';
  manifest(runId: string, manifest: LogManifest): Promise<LogUploadState>;
  /** The chunk the server wants next from this file. */
  chunk(request: ChunkRequest): Promise<{ nextSeq: number }>;
}

/** The server will never take this bundle (unknown run, too big, refused): drop it. */
export class Permanent extends Error {}

/** This request cannot travel on this transport (a manifest over the frame limit): use HTTP. */
export class Unsendable extends Error {}

/** The first protocol version with log uploads over the socket. */
export const SOCKET_UPLOAD_VERSION = 7;
const REQUEST_TIMEOUT_MS = 60_000;

interface Pending {
  resolve(message: UploadReply): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * Log uploads over the agent's authenticated socket (protocol 7): the manifest as a
 * `log_manifest` frame, each request's chunks as one binary frame. The socket's handshake
 * proved the device key, so nothing is signed per request. One transport per socket: when it
 * closes, whatever waits on it fails and the uploader's retry starts over on whatever
 * transport is there then (the next socket, or HTTP).
 */
export class SocketUploads {
  private current: SessionUploads | null = null;
  private connected!: () => void;
  private readonly firstSession = new Promise<void>((resolve) => (this.connected = resolve));

  /**
   * Resolves once the first socket is authenticated (whatever its version), or after
   * `timeoutMs`: bundles left from before a restart wait for it rather than going over HTTPS
   * because the uploader started a moment before the socket.
   */
  ready(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      this.firstSession,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs).unref())),
    ]).finally(() => clearTimeout(timer));
  }

  /** Hooks a new socket's session; its handle's close() fails what still waits on it. */
  attach(session: Session): SessionHandle {
    this.connected();
    const uploads = new SessionUploads(session);
    if (session.protocolVersion >= SOCKET_UPLOAD_VERSION) this.current = uploads;
    return {
      close: () => {
        if (this.current === uploads) this.current = null;
        uploads.close();
      },
      onUploadReply: (message) => uploads.answer(message),
    };
  }

  /** The socket's transport while one is up and its server takes uploads, else null. */
  transport(): UploadTransport | null {
    return this.current;
  }
}

class SessionUploads implements UploadTransport {
  readonly name = 'socket';
  private readonly pending = new Map<string, Pending>();
  private closed = false;

  constructor(private readonly session: Session) {}

  async manifest(runId: string, manifest: LogManifest): Promise<LogUploadState> {
    const id = newMessageId();
    let frame: string;
    try {
      frame = encodeFrame('log_manifest', { runId, manifest }, id);
    } catch (err) {
      // Over the JSON frame limit (a bundle of a thousand long paths): HTTP takes it.
      throw new Unsendable(`the manifest does not fit a frame: ${(err as Error).message}`);
    }
    const reply = await this.request(id, () => this.session.sendFrame(frame));
    if (reply.type !== 'log_upload_state') throw new Error(`unexpected ${reply.type}`);
    const { refId: _refId, ...state } = reply.body;
    return state;
  }

  async chunk(request: ChunkRequest): Promise<{ nextSeq: number }> {
    const id = newMessageId();
    const frame = encodeLogChunkFrame(
      {
        id,
        runId: request.runId,
        index: request.index,
        seq: request.seq,
        count: request.count,
        sha256: request.sha256,
      },
      request.body,
    );
    const reply = await this.request(id, () => this.session.sendBinary(frame));
    if (reply.type !== 'log_chunk_ack') throw new Error(`unexpected ${reply.type}`);
    return { nextSeq: reply.body.nextSeq };
  }

  answer(message: UploadReply): void {
    const waiting = this.pending.get(message.body.refId ?? '');
    if (!waiting) return;
    if (message.type !== 'error') return waiting.resolve(message);
    const why = `server refused the upload frame: ${message.body.code} ${message.body.message}`;
    waiting.reject(
      LOG_UPLOAD_PERMANENT_ERRORS.includes(message.body.code) ? new Permanent(why) : new Error(why),
    );
  }

  close(): void {
    this.closed = true;
    for (const waiting of this.pending.values()) {
      waiting.reject(new Error('the connection closed during the upload'));
    }
  }

  private request(id: string, send: () => boolean): Promise<UploadReply> {
    if (this.closed) return Promise.reject(new Error('the connection closed'));
    return new Promise<UploadReply>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(id);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no answer from the server in ${REQUEST_TIMEOUT_MS / 1000} s`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, {
        timer,
        resolve: (message) => {
          done();
          resolve(message);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      if (!send()) this.pending.get(id)?.reject(new Error('the connection is not open'));
    });
  }
}
