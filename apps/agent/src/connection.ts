import type { KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import {
  agentAuthPayload,
  CloseCode,
  encodeFrame,
  MAX_FRAME_BYTES,
  newNonce,
  parseFrame,
  serverAuthPayload,
  signPayload,
  verifyPayload,
  type AgentMessageType,
  type AuthOkBody,
  type ChecksBody,
  type HelloBody,
  type ListDirBody,
  type MessageBodies,
  type ServerMessage,
  type WebChecksBody,
} from '@fleetdesk/protocol';
import { Backoff } from './backoff';
import type { Gate } from './gate';
import { errorMessage, errorReason, type Logger } from './log';
import { agentSocketUrl } from './server-url';

export interface Identity {
  deviceId: string;
  privateKey: KeyObject;
  /** Pinned at enrollment; the server proves it holds the matching private key. */
  serverPublicKey: KeyObject;
}

/** What an authenticated connection offers to whoever reports over it. */
export interface Session {
  readonly deviceId: string;
  readonly heartbeatIntervalMs: number;
  /** false when the socket is gone or the body would not encode (logged). */
  send<T extends AgentMessageType>(type: T, body: MessageBodies[T]): boolean;
  /** For frames the caller encoded itself (the inventory, trimmed to fit). */
  sendFrame(frame: string): boolean;
  /** The version the server answered the handshake in: what it understands from us. */
  readonly protocolVersion: number;
  /** A binary frame (protocol 7: a log chunk); false when the socket is gone. */
  sendBinary(frame: Buffer): boolean;
}

/** Answers to this agent's log upload frames (protocol 7), and errors naming a frame. */
export type UploadReply = Extract<
  ServerMessage,
  { type: 'log_upload_state' | 'log_chunk_ack' | 'error' }
>;

/** The server messages about runs, handed to the session that is current when they arrive. */
export type JobMessage = Extract<
  ServerMessage,
  { type: 'run' | 'run_action' | 'cancel' | 'result_ack' | 'results_ack' }
>;

/** Returned by `startSession`; closed when the socket goes, so its timers go with it. */
export interface SessionHandle {
  close(): void;
  /** Job messages arriving on this session; without it they are logged and dropped. */
  onMessage?(message: JobMessage): void;
  /** The server's check set (protocol 3); without it, it is logged and dropped. */
  onChecks?(body: ChecksBody): void;
  /** Live follow commands (protocol 4); without it, a start is answered `unavailable`. */
  onFollow?(message: FollowMessage): void;
  /** A file browser's directory listing request (protocol 5); without it, logged and dropped. */
  onListDir?(body: ListDirBody): void;
  /** The server's website-check set (protocol 6); without it, it is logged and dropped. */
  onWebChecks?(body: WebChecksBody): void;
  /** Answers to log upload frames, and every `error` naming a frame (protocol 7). */
  onUploadReply?(message: UploadReply): void;
}

/** The server messages about live follows. */
export type FollowMessage = Extract<
  ServerMessage,
  { type: 'follow_start' | 'follow_stop' | 'follow_keepalive' }
>;

/** One handle for several: closes them all, hands each message to every one that wants it. */
export function combineSessions(...handles: SessionHandle[]): SessionHandle {
  return {
    close: () => handles.forEach((h) => h.close()),
    onMessage: (message) => handles.forEach((h) => h.onMessage?.(message)),
    onChecks: (body) => handles.forEach((h) => h.onChecks?.(body)),
    onFollow: (message) => handles.forEach((h) => h.onFollow?.(message)),
    onListDir: (body) => handles.forEach((h) => h.onListDir?.(body)),
    onWebChecks: (body) => handles.forEach((h) => h.onWebChecks?.(body)),
    onUploadReply: (message) => handles.forEach((h) => h.onUploadReply?.(message)),
  };
}

export type ConnectionState =
  | 'idle'
  | 'backoff'
  /** Waiting for a handshake slot, or for TCP/TLS/upgrade. */
  | 'connecting'
  /** Socket open, handshake under way. */
  | 'open'
  | 'authenticated'
  | 'stopped';

export interface ConnectionOptions {
  /** http(s) base URL, as given at enrollment. */
  serverUrl: string;
  identity: Identity;
  agentVersion: string;
  /** Authenticate as a new binary on trial during a self-update (AuthBody.trial). */
  trial?: boolean;
  log: Logger;
  startSession(session: Session): SessionHandle;
  /** Close 4002: the connection has stopped for good. */
  onRevoked(): void;
  onStateChange?(from: ConnectionState, to: ConnectionState): void;
  /** Source address for the socket (`simulate --bind`). */
  localAddress?: string;
  /** Limits concurrent handshakes across many connections (`simulate`). */
  gate?: Gate;
  backoff?: Backoff;
  /** From socket creation to auth_ok. */
  handshakeTimeoutMs?: number;
  /** Authenticated this long without trouble, the backoff starts over. */
  stableAfterMs?: number;
}

/** Per-socket handshake state, so a late event from an old socket cannot touch a new one. */
interface Attempt {
  ws: WebSocket;
  serverNonce: string;
  agentNonce: string;
  opened: boolean;
  authenticated: boolean;
  /** The server failed to prove its identity: nothing more is sent or read on this socket. */
  distrusted: boolean;
  /** Why the socket failed, when we know better than the close code (1006) does. */
  failure?: { message: string; reason: string };
}

const CLOSE_NAMES = new Map<number, string>(
  Object.entries(CloseCode).map(([name, code]) => [code, name]),
);
const CLOSE_HINTS = new Map<number, string>([
  [
    CloseCode.AUTH_FAILED,
    'the server does not accept this identity; if the device was deleted, enroll again',
  ],
  [
    CloseCode.REPLACED,
    'another agent with this identity connected; was this state directory copied?',
  ],
]);
const SKEW_WARN_MS = 5 * 60_000;

/**
 * One agent's link to the server: connect, answer the challenge, check the server's
 * signature, hand an authenticated Session to the caller, and reconnect with backoff when
 * anything goes wrong. Owns every timer and listener it creates; `close()` clears them all.
 */
export class AgentConnection {
  private state: ConnectionState = 'idle';
  private attempt: Attempt | null = null;
  private session: SessionHandle | null = null;
  private releaseSlot: (() => void) | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private readonly backoff: Backoff;
  private readonly url: string;

  constructor(private readonly options: ConnectionOptions) {
    this.backoff = options.backoff ?? new Backoff();
    this.url = agentSocketUrl(options.serverUrl);
  }

  get currentState(): ConnectionState {
    return this.state;
  }

  start(): void {
    if (this.state === 'idle') void this.connect();
  }

  /** Closes with 1000 and stops for good; resolves once the socket is closed (≤ 2 s). */
  close(): Promise<void> {
    if (this.state === 'stopped' && !this.attempt) return Promise.resolve();
    this.setState('stopped');
    clearTimeout(this.retryTimer);
    this.endSocketLife();
    const ws = this.attempt?.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => ws.terminate(), 2_000);
      ws.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(CloseCode.NORMAL, 'agent stopping');
    });
  }

  private setState(next: ConnectionState): void {
    const prev = this.state;
    if (prev === next || prev === 'stopped') return;
    this.state = next;
    this.options.onStateChange?.(prev, next);
  }

  private async connect(): Promise<void> {
    this.setState('connecting');
    if (this.options.gate) {
      const release = await this.options.gate.acquire();
      if (this.state !== 'connecting') return release();
      this.releaseSlot = release;
    }
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, {
        maxPayload: MAX_FRAME_BYTES,
        perMessageDeflate: false,
        handshakeTimeout: this.options.handshakeTimeoutMs ?? 30_000,
        localAddress: this.options.localAddress,
      });
    } catch (err) {
      this.freeSlot();
      this.scheduleReconnect(`cannot open ${this.url}: ${errorMessage(err)}`, 'connect failed');
      return;
    }
    const attempt: Attempt = {
      ws,
      serverNonce: '',
      agentNonce: '',
      opened: false,
      authenticated: false,
      distrusted: false,
    };
    this.attempt = attempt;
    this.handshakeTimer = setTimeout(() => {
      attempt.failure ??= { message: 'handshake timed out', reason: 'handshake timeout' };
      ws.terminate();
    }, this.options.handshakeTimeoutMs ?? 30_000);

    ws.on('open', () => {
      attempt.opened = true;
      if (this.attempt === attempt) this.setState('open');
    });
    ws.on('message', (data) => this.onMessage(attempt, data));
    // 'close' always follows 'error'; the reconnect is logged there, with this as the cause.
    ws.on('error', (err) => {
      const phase = attempt.opened ? 'socket' : 'connect';
      attempt.failure ??= { message: errorMessage(err), reason: `${phase} ${errorReason(err)}` };
    });
    // The reason is the peer's text: keep it to one printable line in our logs.
    ws.on('close', (code, reason) =>
      // eslint-disable-next-line no-control-regex
      this.onClose(attempt, code, reason.toString('utf8').replace(/[\u0000-\u001f\u007f]/g, ' ')),
    );
  }

  private onMessage(attempt: Attempt, data: WebSocket.RawData): void {
    if (this.attempt !== attempt || attempt.distrusted) return;
    const raw = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    const parsed = parseFrame(raw, { from: 'server' });
    if (!parsed.ok) {
      this.options.log.warn(
        `ignoring invalid frame from the server: ${parsed.error.message}`,
        `invalid frame ${parsed.error.code}`,
      );
      return;
    }
    const message: ServerMessage = parsed.message;
    switch (message.type) {
      case 'hello':
        return this.onHello(attempt, message.body);
      case 'auth_ok':
        return this.onAuthOk(attempt, message.body, message.v);
      case 'ack':
        // Nothing waits for message acks: results wait for result_ack instead.
        return;
      case 'run':
      case 'run_action':
      case 'cancel':
      case 'result_ack':
      case 'results_ack':
        return this.onJobMessage(attempt, message);
      case 'checks':
        return this.onChecks(attempt, message.body);
      case 'follow_start':
      case 'follow_stop':
      case 'follow_keepalive':
        return this.onFollow(attempt, message);
      case 'list_dir':
        return this.onListDir(attempt, message.body);
      case 'web_checks':
        return this.onWebChecks(attempt, message.body);
      case 'log_upload_state':
      case 'log_chunk_ack':
        return this.onUploadReply(attempt, message);
      case 'error':
        this.options.log.warn(
          `server reported ${message.body.code}: ${message.body.message}` +
            (message.body.refId ? ` (re: ${message.body.refId})` : ''),
          `server error ${message.body.code}`,
        );
        if (message.body.refId) this.onUploadReply(attempt, message);
        return;
    }
  }

  private onHello(attempt: Attempt, body: HelloBody): void {
    if (attempt.serverNonce) {
      this.options.log.warn('ignoring a second hello', 'unexpected hello');
      return;
    }
    const skew = body.serverTime - Date.now();
    if (Math.abs(skew) > SKEW_WARN_MS) {
      this.options.log.warn(
        `this machine's clock is ${Math.round(skew / 1000)} s off the server's`,
        'clock skew',
      );
    }
    const { deviceId, privateKey } = this.options.identity;
    attempt.serverNonce = body.serverNonce;
    attempt.agentNonce = newNonce();
    const signature = signPayload(
      privateKey,
      agentAuthPayload({ deviceId, serverNonce: body.serverNonce, agentNonce: attempt.agentNonce }),
    );
    attempt.ws.send(
      encodeFrame('auth', {
        deviceId,
        agentVersion: this.options.agentVersion,
        agentNonce: attempt.agentNonce,
        signature,
        ...(this.options.trial ? { trial: true as const } : {}),
      }),
    );
  }

  private onAuthOk(attempt: Attempt, body: AuthOkBody, version: number): void {
    if (!attempt.agentNonce || attempt.authenticated) {
      this.options.log.warn('ignoring auth_ok that does not answer our auth', 'unexpected auth_ok');
      return;
    }
    const { deviceId, serverPublicKey } = this.options.identity;
    const payload = serverAuthPayload({
      deviceId,
      serverNonce: attempt.serverNonce,
      agentNonce: attempt.agentNonce,
    });
    if (
      body.deviceId !== deviceId ||
      !verifyPayload(serverPublicKey, payload, body.serverSignature)
    ) {
      // Whoever answered does not hold the server key pinned at enrollment: an impostor, or
      // a server whose key was replaced. Say nothing more to it, not even a close frame.
      attempt.distrusted = true;
      attempt.failure = { message: 'server signature invalid', reason: 'server signature invalid' };
      this.options.log.error(
        `SERVER AUTHENTICATION FAILED: ${this.url} could not prove it holds the server key pinned at enrollment. ` +
          'Dropping the connection and sending nothing. If the server key really changed, re-enroll this device.',
        'server signature invalid',
      );
      attempt.ws.terminate();
      return;
    }

    attempt.authenticated = true;
    clearTimeout(this.handshakeTimer);
    this.freeSlot();
    this.setState('authenticated');
    // Reset only once the link has proved stable: two copies of one identity evicting each
    // other (close 4003) authenticate every time, and must still back off further each round.
    this.stableTimer = setTimeout(() => this.backoff.reset(), this.options.stableAfterMs ?? 30_000);
    this.options.log.info(
      `connected to ${this.url} as device ${deviceId} (heartbeat every ${body.heartbeatIntervalMs / 1000} s)`,
    );
    try {
      this.session = this.options.startSession(
        this.sessionFor(attempt, body.heartbeatIntervalMs, version),
      );
    } catch (err) {
      this.options.log.error(`could not start reporting: ${errorMessage(err)}`, 'session failed');
    }
  }

  private onChecks(attempt: Attempt, body: ChecksBody): void {
    const session = this.session;
    if (!attempt.authenticated || !session?.onChecks) {
      this.options.log.warn('ignoring checks: this agent does not run checks', 'unhandled checks');
      return;
    }
    try {
      session.onChecks(body);
    } catch (err) {
      this.options.log.error(`checks failed: ${errorMessage(err)}`, 'checks failed');
    }
  }

  private onFollow(attempt: Attempt, message: FollowMessage): void {
    if (!attempt.authenticated) {
      this.options.log.warn(
        `ignoring ${message.type} before auth_ok`,
        `unexpected ${message.type}`,
      );
      return;
    }
    const session = this.session;
    const handled = session?.onFollow !== undefined;
    try {
      session?.onFollow?.(message);
    } catch (err) {
      this.options.log.error(
        `${message.type} failed: ${errorMessage(err)}`,
        `${message.type} failed`,
      );
    }
    if (handled || message.type !== 'follow_start') return;
    // An agent that does not follow logs (the simulator) still answers, so the viewer is told.
    const { ws } = attempt;
    if (ws.readyState !== WebSocket.OPEN) return;
    ws.send(
      encodeFrame('follow_status', {
        followId: message.body.followId,
        state: 'ended',
        reason: 'unavailable',
        message: 'this agent does not follow logs',
      }),
    );
  }

  private onListDir(attempt: Attempt, body: ListDirBody): void {
    const session = this.session;
    if (!attempt.authenticated || !session?.onListDir) {
      this.options.log.warn(
        'ignoring list_dir: this agent does not list folders',
        'unhandled list_dir',
      );
      return;
    }
    try {
      session.onListDir(body);
    } catch (err) {
      this.options.log.error(`list_dir failed: ${errorMessage(err)}`, 'list_dir failed');
    }
  }

  private onWebChecks(attempt: Attempt, body: WebChecksBody): void {
    const session = this.session;
    if (!attempt.authenticated || !session?.onWebChecks) {
      this.options.log.warn(
        'ignoring web_checks: this agent does not run website checks',
        'unhandled web_checks',
      );
      return;
    }
    try {
      session.onWebChecks(body);
    } catch (err) {
      this.options.log.error(`web_checks failed: ${errorMessage(err)}`, 'web_checks failed');
    }
  }

  private onUploadReply(attempt: Attempt, message: UploadReply): void {
    if (!attempt.authenticated) return;
    try {
      this.session?.onUploadReply?.(message);
    } catch (err) {
      this.options.log.error(
        `${message.type} failed: ${errorMessage(err)}`,
        `${message.type} failed`,
      );
    }
  }

  private onJobMessage(attempt: Attempt, message: JobMessage): void {
    if (!attempt.authenticated) {
      this.options.log.warn(
        `ignoring ${message.type} before auth_ok`,
        `unexpected ${message.type}`,
      );
      return;
    }
    const session = this.session;
    if (!session?.onMessage) {
      this.options.log.warn(
        `ignoring ${message.type}: this agent does not take jobs`,
        `unhandled ${message.type}`,
      );
      return;
    }
    try {
      session.onMessage(message);
    } catch (err) {
      this.options.log.error(
        `${message.type} failed: ${errorMessage(err)}`,
        `${message.type} failed`,
      );
    }
  }

  private sessionFor(
    attempt: Attempt,
    heartbeatIntervalMs: number,
    protocolVersion: number,
  ): Session {
    const sendFrame = (frame: string | Buffer): boolean => {
      const { ws } = attempt;
      if (this.attempt !== attempt || attempt.distrusted || ws.readyState !== WebSocket.OPEN) {
        return false;
      }
      ws.send(frame);
      return true;
    };
    return {
      deviceId: this.options.identity.deviceId,
      heartbeatIntervalMs,
      protocolVersion,
      sendFrame,
      sendBinary: sendFrame,
      send: (type, body) => {
        try {
          return sendFrame(encodeFrame(type, body));
        } catch (err) {
          this.options.log.error(`${type} not sent: ${errorMessage(err)}`, `${type} invalid`);
          return false;
        }
      },
    };
  }

  private onClose(attempt: Attempt, code: number, reason: string): void {
    if (this.attempt !== attempt) return;
    this.attempt = null;
    this.endSocketLife();
    if (this.state === 'stopped') return;

    const name = CLOSE_NAMES.get(code);
    const codeText = `${code}${name ? ` ${name}` : ''}${reason ? `: ${reason}` : ''}`;
    const closed = `closed ${code}${name ? ` ${name}` : ''}`;
    if (code === CloseCode.REVOKED) {
      this.options.log.error(
        `the server closed the connection (${codeText}): this device has been revoked. ` +
          'Not reconnecting; enroll again (enroll --force) to bring it back.',
        'revoked',
      );
      this.setState('stopped');
      this.options.onRevoked();
      return;
    }
    const what = attempt.failure?.message ?? `closed ${codeText}`;
    const hint = CLOSE_HINTS.get(code);
    this.scheduleReconnect(hint ? `${what}; ${hint}` : what, attempt.failure?.reason ?? closed);
  }

  private scheduleReconnect(why: string, reason: string): void {
    const delay = this.backoff.next();
    this.options.log.warn(
      `disconnected (${why}); reconnecting in ${(delay / 1000).toFixed(1)} s`,
      reason,
    );
    this.setState('backoff');
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** Everything tied to one socket's life: its timers, its slot, its session. */
  private endSocketLife(): void {
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.stableTimer);
    this.freeSlot();
    const session = this.session;
    this.session = null;
    session?.close();
  }

  private freeSlot(): void {
    this.releaseSlot?.();
    this.releaseSlot = null;
  }
}
