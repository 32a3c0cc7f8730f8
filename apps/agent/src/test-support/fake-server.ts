import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import {
  agentAuthPayload,
  cancelSigningPayload,
  encodeFrame,
  generateDeviceKeyPair,
  newNonce,
  parseFrame,
  runBatchSigningPayload,
  runBatchTree,
  runLeafHash,
  runSigningPayload,
  serverAuthPayload,
  signPayload,
  verifyPayload,
  type AgentMessage,
  type AgentToServer,
  type PemKeyPair,
  type RunBody,
  type RunSpec,
  type ServerMessageType,
  type MessageBodies,
} from '@fleetdesk/protocol';

/**
 * A small in-process stand-in for the server side of the contract: enrollment over HTTP
 * and the /agent handshake over ws, recording everything the agent sends.
 */
export interface FakeServerOptions {
  heartbeatIntervalMs?: number;
  /** Sign auth_ok with a key the agent did not pin. */
  impostor?: boolean;
  /** Accept the socket but never say hello. */
  silent?: boolean;
  /** Answer enrollment with this instead of 201. */
  enrollError?: { status: number; body: unknown };
  /**
   * Accept at most `limit` enrollments per fixed window, answering the rest 429 like the real
   * server (with Retry-After, the seconds until the window ends, unless `retryAfter` is false).
   */
  enrollRateLimit?: { limit: number; windowMs: number; retryAfter?: boolean };
  /** Answer every `result` with `result_ack`, as the real server does once it is stored. */
  autoAckResults?: boolean;
}

export interface FakeConnection {
  ws: WebSocket;
  frames: AgentMessage[];
  /** Frames that failed to parse: the agent must never send one. */
  invalid: string[];
  deviceId?: string;
  closed?: { code: number; by: 'agent' | 'server' };
}

export class FakeServer {
  readonly keys: PemKeyPair = generateDeviceKeyPair();
  readonly devices = new Map<string, string>();
  readonly connections: FakeConnection[] = [];
  readonly enrollRequests: unknown[] = [];
  /** Every enrollment answer, in order: which key asked, when, and the status it got. */
  readonly enrollLog: { publicKey: string; at: number; status: number }[] = [];
  private window = { start: 0, accepted: 0 };
  url = '';
  private readonly http: Server;
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(readonly options: FakeServerOptions = {}) {
    this.http = createServer((req, res) => void this.onHttp(req, res));
    this.http.on('upgrade', (req, socket, head) => {
      if (req.url !== '/agent') return socket.destroy();
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.http.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  /** Connections that completed the handshake. */
  get authenticated(): FakeConnection[] {
    return this.connections.filter((c) => c.deviceId);
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res
        .writeHead(status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/api/agent/enroll') return send(404, {});
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { publicKey: string };
    this.enrollRequests.push(body);
    const now = Date.now();
    const limit = this.options.enrollRateLimit;
    if (limit && now - this.window.start >= limit.windowMs)
      this.window = { start: now, accepted: 0 };
    if (limit && this.window.accepted >= limit.limit) {
      this.enrollLog.push({ publicKey: body.publicKey, at: now, status: 429 });
      const seconds = Math.ceil((this.window.start + limit.windowMs - now) / 1000);
      return send(
        429,
        { statusCode: 429, code: 'TOO_MANY_REQUESTS', message: 'Too many attempts.' },
        limit.retryAfter === false ? {} : { 'retry-after': String(seconds) },
      );
    }
    this.window.accepted += 1;
    this.enrollLog.push({
      publicKey: body.publicKey,
      at: now,
      status: this.options.enrollError?.status ?? 201,
    });
    if (this.options.enrollError) {
      return send(this.options.enrollError.status, this.options.enrollError.body);
    }
    const deviceId = randomUUID();
    this.devices.set(deviceId, body.publicKey);
    send(201, {
      deviceId,
      serverPublicKey: this.keys.publicKey,
      heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1_000,
    });
  }

  private onSocket(ws: WebSocket): void {
    const conn: FakeConnection = { ws, frames: [], invalid: [] };
    this.connections.push(conn);
    const serverNonce = newNonce();
    ws.on('close', (code) => (conn.closed ??= { code, by: 'agent' }));
    ws.on('message', (data) => {
      const parsed = parseFrame(data as Buffer, { from: 'agent' });
      if (!parsed.ok) return conn.invalid.push(parsed.error.message);
      conn.frames.push(parsed.message);
      if (parsed.message.type === 'result' && this.options.autoAckResults) {
        this.send(conn, 'result_ack', { runId: parsed.message.body.runId });
      }
      if (parsed.message.type !== 'auth') return;
      const { deviceId, agentNonce, signature } = parsed.message.body;
      const key = this.devices.get(deviceId);
      const payload = agentAuthPayload({ deviceId, serverNonce, agentNonce });
      if (!key || !verifyPayload(key, payload, signature)) return this.close(conn, 4001);
      conn.deviceId = deviceId;
      const signer = this.options.impostor
        ? generateDeviceKeyPair().privateKey
        : this.keys.privateKey;
      const serverSignature = signPayload(
        signer,
        serverAuthPayload({ deviceId, serverNonce, agentNonce }),
      );
      ws.send(
        encodeFrame('auth_ok', {
          deviceId,
          serverSignature,
          heartbeatIntervalMs: this.options.heartbeatIntervalMs ?? 1_000,
        }),
      );
    });
    if (!this.options.silent)
      ws.send(encodeFrame('hello', { serverNonce, serverTime: Date.now() }));
  }

  send<T extends ServerMessageType>(conn: FakeConnection, type: T, body: MessageBodies[T]): void {
    conn.ws.send(encodeFrame(type, body));
  }

  /** A run for `deviceId` with sane defaults; the script's hash is computed. */
  runSpec(deviceId: string, overrides: Partial<RunSpec> = {}): RunSpec {
    const script = overrides.script ?? 'echo hello\n';
    const now = Date.now();
    return {
      runId: randomUUID(),
      jobId: randomUUID(),
      deviceId,
      language: 'bash',
      scriptSha256: createHash('sha256').update(script, 'utf8').digest('hex'),
      env: [],
      args: [],
      timeoutMs: 30_000,
      expiresAt: now + 60_000,
      issuedAt: now,
      nonce: newNonce(),
      maxOutputBytes: 1024 * 1024,
      ...overrides,
      script,
    };
  }

  /** Signs with the server key, or with `privateKey` to play an impostor. */
  signRun(spec: RunSpec, privateKey: string = this.keys.privateKey): RunBody {
    return { spec, signature: signPayload(privateKey, runSigningPayload(spec)) };
  }

  /** Signs runs as one batch (protocol 2), as the real server does for many devices at once. */
  signBatch(specs: RunSpec[], privateKey: string = this.keys.privateKey): RunBody[] {
    const tree = runBatchTree(specs.map(runLeafHash));
    const signature = signPayload(privateKey, runBatchSigningPayload(tree.root, specs.length));
    return specs.map((spec, index) => ({
      spec,
      signature,
      batch: { index, size: specs.length, path: tree.paths[index] ?? [] },
    }));
  }

  sendRun(conn: FakeConnection, run: RunSpec | RunBody): void {
    this.send(conn, 'run', 'spec' in run ? run : this.signRun(run));
  }

  sendCancel(
    conn: FakeConnection,
    runId: string,
    deviceId: string,
    privateKey: string = this.keys.privateKey,
  ): void {
    const signature = signPayload(privateKey, cancelSigningPayload(runId, deviceId));
    this.send(conn, 'cancel', { runId, deviceId, signature });
  }

  /**
   * Bodies of every frame of `type` the agents sent, over all connections, in order, read as
   * the server reads them: output a result carried inline counts as `output` (before that
   * result), and the result itself comes without it.
   */
  received<T extends keyof AgentToServer>(type: T, runId?: string): AgentToServer[T][] {
    const bodies: AgentToServer[T][] = [];
    const take = (body: AgentToServer[T]) => {
      if (runId === undefined || ('runId' in body && body.runId === runId)) bodies.push(body);
    };
    for (const conn of this.connections) {
      for (const frame of conn.frames) {
        if (frame.type === 'result' && (type === 'output' || type === 'result')) {
          const { output, ...result } = frame.body;
          if (type === 'result') take(result as AgentToServer[T]);
          else
            for (const c of output ?? []) take({ runId: result.runId, ...c } as AgentToServer[T]);
          continue;
        }
        if (frame.type === type) take(frame.body as AgentToServer[T]);
      }
    }
    return bodies;
  }

  /** The result frames of a run as sent, inline output included. */
  resultFrames(runId: string): AgentToServer['result'][] {
    return this.connections.flatMap((c) =>
      c.frames.flatMap((f) => (f.type === 'result' && f.body.runId === runId ? [f.body] : [])),
    );
  }

  close(conn: FakeConnection, code: number, reason = ''): void {
    conn.closed ??= { code, by: 'server' };
    conn.ws.close(code, reason);
  }
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
