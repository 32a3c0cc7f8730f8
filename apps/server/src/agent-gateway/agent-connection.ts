import {
  agentAuthPayload,
  type AgentMessage,
  CloseCode,
  encodeFrame,
  encodeTrustedFrame,
  type ErrorCode,
  type MessageBodies,
  newNonce,
  OLDEST_VERSION,
  parseFrame,
  type ProtocolVersion,
  serverAuthPayload,
  type ServerToAgent,
  verifyPayloadAsync,
} from '@fleetdesk/protocol';
import type { WebSocket } from 'ws';
import { parsedPublicKey } from '../common/public-keys';

/** How many bad frames an authenticated agent may send before it is cut off. */
const MAX_STRIKES = 20;

export interface ConnectionHooks {
  handshakeTimeoutMs: number;
  heartbeatIntervalMs: number;
  offlineAfterMs: number;
  findIdentity(deviceId: string): Promise<{ publicKey: string; revoked: boolean } | null>;
  signServer(payload: Uint8Array): string;
  onAuthFailed(deviceId: string, reason: 'unknown_device' | 'bad_signature'): void;
  onAuthenticated(conn: AgentConnection): Promise<void>;
  onMessage(conn: AgentConnection, message: AgentMessage): Promise<void>;
  /** A binary frame from an authenticated protocol-7 agent (a log chunk); it answers itself. */
  onBinary(conn: AgentConnection, data: Buffer): Promise<void>;
  onClosed(conn: AgentConnection): void;
  log(level: 'warn' | 'debug', message: string): void;
}

/**
 * One agent socket: runs the mutual challenge-response, then hands validated messages to the
 * gateway. Owns its timers and clears them when the socket closes.
 */
export class AgentConnection {
  deviceId?: string;
  agentVersion = '';
  /**
   * The protocol version this agent speaks, from its `auth` frame; until then the oldest, so
   * the greeting is one every supported agent can read. Everything sent is stamped with it.
   */
  protocolVersion: ProtocolVersion = OLDEST_VERSION;
  /** A new agent binary on trial during a self-update (see AuthBody.trial). */
  trial = false;
  private readonly serverNonce = newNonce();
  private authenticating = false;
  private strikes = 0;
  private lastSeen = Date.now();
  private handshakeTimer?: NodeJS.Timeout;
  private livenessTimer?: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    readonly remoteIp: string | null,
    private readonly hooks: ConnectionHooks,
  ) {}

  get authenticated(): boolean {
    return this.deviceId !== undefined;
  }

  start(): void {
    this.ws.on('message', (data: Buffer, isBinary: boolean) => void this.onFrame(data, isBinary));
    this.ws.on('close', () => this.cleanup());
    this.ws.on('error', () => undefined);
    this.handshakeTimer = setTimeout(
      () => this.close(CloseCode.HANDSHAKE_TIMEOUT, 'handshake not completed in time'),
      this.hooks.handshakeTimeoutMs,
    );
    this.send('hello', { serverNonce: this.serverNonce, serverTime: Date.now() });
  }

  /** False when the socket is no longer open (nothing was encoded or sent). */
  send<T extends keyof ServerToAgent>(type: T, body: ServerToAgent[T] & MessageBodies[T]): boolean {
    if (this.ws.readyState !== this.ws.OPEN) return false;
    this.ws.send(encodeFrame(type, body, undefined, this.protocolVersion));
    return true;
  }

  /** `send` for a body built from values already validated (see encodeTrustedFrame). */
  sendTrusted<T extends keyof ServerToAgent>(
    type: T,
    body: ServerToAgent[T] & MessageBodies[T],
  ): void {
    if (this.ws.readyState === this.ws.OPEN) {
      this.ws.send(encodeTrustedFrame(type, body, this.protocolVersion));
    }
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) {
      this.ws.close(code, reason.slice(0, 120));
    }
  }

  private sendError(code: ErrorCode, message: string, refId?: string): void {
    this.send('error', { code, message: message.slice(0, 1000), ...(refId ? { refId } : {}) });
  }

  private async onFrame(data: Buffer, isBinary: boolean): Promise<void> {
    if (isBinary && this.authenticated && !this.trial && this.protocolVersion >= 7) {
      this.lastSeen = Date.now();
      try {
        await this.hooks.onBinary(this, data);
      } catch (error) {
        this.hooks.log('warn', `device ${this.deviceId}: binary frame failed: ${String(error)}`);
        this.sendError('INTERNAL_ERROR', 'could not process a binary frame');
      }
      return;
    }
    if (isBinary) {
      this.sendError('INVALID_JSON', 'binary frames are not part of this protocol version');
      // Before the handshake nothing but a valid auth frame is worth keeping a socket open for.
      if (!this.authenticated) {
        return this.close(
          CloseCode.POLICY_VIOLATION,
          'handshake first: binary frames are not part of the protocol',
        );
      }
      return this.strike();
    }
    const parsed = parseFrame(data, { from: 'agent' });
    if (!parsed.ok) {
      const { error } = parsed;
      if (error.closeCode) return this.close(error.closeCode, error.message);
      this.sendError(error.code, error.message, error.refId);
      if (!this.authenticated) return this.close(CloseCode.POLICY_VIOLATION, 'handshake first');
      return this.strike();
    }
    const message = parsed.message;
    if (!this.authenticated) {
      if (message.type !== 'auth' || this.authenticating) {
        this.sendError('UNEXPECTED_MESSAGE', `expected auth, got ${message.type}`, message.id);
        return this.close(CloseCode.POLICY_VIOLATION, 'handshake first');
      }
      this.authenticating = true;
      return this.authenticate(message.body, message.v);
    }
    this.lastSeen = Date.now();
    try {
      await this.hooks.onMessage(this, message);
    } catch (error) {
      this.hooks.log('warn', `device ${this.deviceId}: ${message.type} failed: ${String(error)}`);
      this.sendError('INTERNAL_ERROR', `could not process ${message.type}`, message.id);
    }
  }

  private async authenticate(
    body: Extract<AgentMessage, { type: 'auth' }>['body'],
    version: ProtocolVersion,
  ): Promise<void> {
    const { deviceId, agentNonce, signature } = body;
    const identity = await this.hooks.findIdentity(deviceId);
    if (!identity) {
      this.hooks.onAuthFailed(deviceId, 'unknown_device');
      this.sendError('AUTH_FAILED', 'unknown device; enroll again');
      return this.close(CloseCode.AUTH_FAILED, 'unknown device');
    }
    if (identity.revoked) return this.close(CloseCode.REVOKED, 'device revoked');
    const payload = agentAuthPayload({ deviceId, serverNonce: this.serverNonce, agentNonce });
    // The key parsed once per process (shared with the device's signed uploads), the check in
    // the thread pool: a thousand agents reconnecting at once queue behind neither.
    if (!(await verifyPayloadAsync(parsedPublicKey(identity.publicKey), payload, signature))) {
      this.hooks.onAuthFailed(deviceId, 'bad_signature');
      this.sendError('AUTH_FAILED', 'signature does not match the enrolled device key');
      return this.close(CloseCode.AUTH_FAILED, 'bad signature');
    }
    if (this.ws.readyState !== this.ws.OPEN) return;
    clearTimeout(this.handshakeTimer);
    this.deviceId = deviceId;
    this.agentVersion = body.agentVersion;
    this.protocolVersion = version;
    this.trial = body.trial === true;
    this.lastSeen = Date.now();
    this.send('auth_ok', {
      deviceId,
      serverSignature: this.hooks.signServer(
        serverAuthPayload({ deviceId, serverNonce: this.serverNonce, agentNonce }),
      ),
      heartbeatIntervalMs: this.hooks.heartbeatIntervalMs,
    });
    // A socket that goes silent (half-open TCP, frozen agent) is dropped, which marks it offline.
    const period = Math.max(250, Math.floor(this.hooks.heartbeatIntervalMs / 2));
    let lastCheck = Date.now();
    this.livenessTimer = setInterval(() => {
      const now = Date.now();
      const late = now - lastCheck - period;
      lastCheck = now;
      if (now - this.lastSeen > this.hooks.offlineAfterMs) {
        this.hooks.log(
          'warn',
          `device ${this.deviceId}: no frame for ${now - this.lastSeen} ms (check ${late} ms late); closing`,
        );
        this.ws.terminate();
      }
    }, period);
    await this.hooks.onAuthenticated(this);
  }

  private strike(): void {
    this.strikes += 1;
    if (this.strikes >= MAX_STRIKES)
      this.close(CloseCode.POLICY_VIOLATION, 'too many invalid frames');
  }

  private cleanup(): void {
    clearTimeout(this.handshakeTimer);
    clearInterval(this.livenessTimer);
    this.hooks.onClosed(this);
  }
}
