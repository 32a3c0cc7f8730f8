import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import {
  type AgentMessage,
  type AgentToServer,
  CloseCode,
  MAX_LOG_CHUNK_FRAME_BYTES,
  MESSAGE_SINCE_VERSION,
  type MessageBodies,
  type ProtocolVersion,
  type ServerToAgent,
} from '@fleetdesk/protocol';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { AuditService } from '../audit/audit.service';
import { DeviceEvents } from '../devices/device-events';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { AgentConnection, type ConnectionHooks } from './agent-connection';

export const AGENT_PATH = '/agent';

/** Agent messages that belong to another feature (jobs); it subscribes through the gateway. */
export type RoutedType =
  | 'run_accepted'
  | 'run_rejected'
  | 'output'
  | 'result'
  | 'check_results'
  | 'follow_status'
  | 'follow_lines'
  | 'dir_listing'
  | 'web_check_results'
  | 'log_manifest';
/** The socket a message came on, for a feature that answers it there (and nowhere else). */
export interface AgentReply {
  /** The message's envelope id: the answer's `refId`. */
  readonly id: string;
  /** Equal for frames of the same socket, different after a reconnection. */
  readonly connection: object;
  readonly protocolVersion: ProtocolVersion;
  send<T extends keyof ServerToAgent>(type: T, body: ServerToAgent[T] & MessageBodies[T]): boolean;
}
type RoutedHandler<T extends RoutedType> = (
  deviceId: string,
  body: AgentToServer[T],
  from: AgentReply,
) => void;
/** A binary frame (protocol 7: a log chunk); the handler parses it and answers on `from`. */
export type BinaryHandler = (
  deviceId: string,
  data: Buffer,
  from: Omit<AgentReply, 'id'>,
) => Promise<void>;
/** A device's agent authenticated (not on trial) with this version. */
export type AuthenticatedListener = (deviceId: string, agentVersion: string) => void;
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The agents' WebSocket endpoint. It shares the HTTP server with the console's socket.io by
 * taking only upgrades whose path is /agent. Keeps the live registry: one socket per device.
 */
@Injectable()
export class AgentGatewayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AgentGateway');
  // Sized for a binary log chunk frame; every JSON frame is held to MAX_FRAME_BYTES when parsed.
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_LOG_CHUNK_FRAME_BYTES,
  });
  private readonly live = new Map<string, AgentConnection>();
  private readonly unsubscribe: (() => void)[] = [];
  private readonly routes: { [T in RoutedType]?: RoutedHandler<T> } = {};
  private readonly authenticatedListeners: AuthenticatedListener[] = [];
  private binaryHandler?: BinaryHandler;
  private server?: Server;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== AGENT_PATH) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const ip = req.socket.remoteAddress ?? null;
      new AgentConnection(ws, ip, this.hooks).start();
    });
  };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly telemetry: DeviceTelemetryService,
    private readonly serverKeys: ServerKeysService,
    private readonly events: DeviceEvents,
    private readonly audit: AuditService,
  ) {}

  /** Devices with a live, authenticated socket on this node. */
  get connectedCount(): number {
    return this.live.size;
  }

  isConnected(deviceId: string): boolean {
    return this.live.has(deviceId);
  }

  /** The protocol version of a device's live socket here, or undefined when it has none. */
  protocolVersion(deviceId: string): ProtocolVersion | undefined {
    return this.live.get(deviceId)?.protocolVersion;
  }

  /**
   * The device's live socket here as an opaque identity (undefined when it has none): equal
   * for the same socket, different after a reconnection.
   */
  connectionOf(deviceId: string): object | undefined {
    return this.live.get(deviceId);
  }

  connectedDeviceIds(): string[] {
    return [...this.live.keys()];
  }

  /** The version the device's agent is connected with on this node, or null. */
  agentVersionOf(deviceId: string): string | null {
    return this.live.get(deviceId)?.agentVersion ?? null;
  }

  /** Sends to a device's live socket on this node; false when it has none (or it is closing). */
  send<T extends keyof ServerToAgent>(
    deviceId: string,
    type: T,
    body: ServerToAgent[T] & MessageBodies[T],
  ): boolean {
    return this.live.get(deviceId)?.send(type, body) ?? false;
  }

  /**
   * `send` without validating the body again, for bodies built from values already validated
   * (encodeTrustedFrame says which): the dispatcher's runs and result acks, ten thousand a
   * fan-out.
   */
  sendTrusted<T extends keyof ServerToAgent>(
    deviceId: string,
    type: T,
    body: ServerToAgent[T] & MessageBodies[T],
  ): boolean {
    const conn = this.live.get(deviceId);
    if (!conn) return false;
    conn.sendTrusted(type, body);
    return true;
  }

  route<T extends RoutedType>(type: T, handler: RoutedHandler<T>): void {
    (this.routes as Record<T, RoutedHandler<T>>)[type] = handler;
  }

  /** One feature takes binary frames (log uploads); without it they are refused. */
  routeBinary(handler: BinaryHandler): void {
    this.binaryHandler = handler;
  }

  onAuthenticated(listener: AuthenticatedListener): void {
    this.authenticatedListeners.push(listener);
  }

  onApplicationBootstrap(): void {
    this.hooks.heartbeatIntervalMs = this.telemetry.heartbeatIntervalMs;
    this.hooks.offlineAfterMs = this.telemetry.offlineAfterMs;
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
    this.unsubscribe.push(
      this.events.on('revoked', ({ deviceId }) =>
        this.live.get(deviceId)?.close(CloseCode.REVOKED, 'device revoked'),
      ),
    );
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.closeSockets();
  }

  private closing?: Promise<void>;

  /**
   * Tells every agent on this node to go away (they reconnect, with backoff, to another node)
   * and refuses new ones. main.ts calls it before closing the HTTP server, whose close() would
   * otherwise wait for these sockets forever; Nest's shutdown hook calls it again, harmlessly.
   */
  closeSockets(): Promise<void> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<void> {
    this.server?.off('upgrade', this.onUpgrade);
    this.unsubscribe.forEach((off) => off());
    // One UPDATE for every device this node holds, while the database is still open; the
    // close events that follow find an empty registry and write nothing.
    const conns = [...this.live.values()];
    this.live.clear();
    await this.telemetry
      .markManyOffline(conns.map((c) => c.deviceId as string))
      .catch((error: unknown) =>
        this.logger.error(`could not mark devices offline: ${String(error)}`),
      );
    for (const conn of conns) conn.close(CloseCode.GOING_AWAY, 'server shutting down');
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }

  private readonly hooks: ConnectionHooks = {
    handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
    heartbeatIntervalMs: 0,
    offlineAfterMs: 0,
    findIdentity: (deviceId) => this.telemetry.findIdentity(deviceId),
    signServer: (payload) => this.serverKeys.sign(payload),
    onAuthFailed: (deviceId, reason) => {
      this.logger.warn(`refused agent handshake for ${deviceId}: ${reason}`);
      // A known device presenting another key is a security event worth a permanent trace.
      if (reason === 'bad_signature') {
        this.audit
          .recordAlone(
            { kind: 'device', userId: null, email: null, role: null, ip: null },
            {
              action: 'agent.auth_failed',
              targetType: 'device',
              targetId: deviceId,
              details: { reason },
            },
          )
          .catch((error: unknown) => this.logger.error(`audit failed: ${String(error)}`));
      }
    },
    onAuthenticated: async (conn) => {
      const deviceId = conn.deviceId as string;
      if (conn.trial) {
        // A new agent binary proving it can connect, during a self-update: the device's own
        // agent has stepped aside for it and comes back (or hands over) in a moment. It gets
        // no work, does not replace the registry entry and does not change the device row.
        this.logger.log(`device ${deviceId}: agent ${conn.agentVersion} connected on trial`);
        return;
      }
      const previous = this.live.get(deviceId);
      this.live.set(deviceId, conn);
      previous?.close(CloseCode.REPLACED, 'replaced by a newer connection');
      await this.telemetry.markOnline(deviceId, conn.remoteIp, conn.agentVersion);
      for (const listener of this.authenticatedListeners) listener(deviceId, conn.agentVersion);
    },
    onMessage: (conn, message) => this.handle(conn, message),
    onBinary: async (conn, data) => {
      if (!this.binaryHandler) {
        conn.send('error', { code: 'UNEXPECTED_MESSAGE', message: 'binary frames are not taken' });
        return;
      }
      await this.binaryHandler(conn.deviceId as string, data, replyOf(conn));
    },
    onClosed: (conn) => {
      if (!conn.deviceId || this.live.get(conn.deviceId) !== conn) return;
      this.live.delete(conn.deviceId);
      this.telemetry
        .markOffline(conn.deviceId)
        .catch((error: unknown) => this.logger.error(String(error)));
    },
    log: (level, message) =>
      level === 'warn' ? this.logger.warn(message) : this.logger.debug(message),
  };

  private async handle(conn: AgentConnection, message: AgentMessage): Promise<void> {
    const deviceId = conn.deviceId as string;
    if (conn.trial) {
      // Reports come from the device's own agent, never from a binary on trial.
      conn.send('error', {
        code: 'UNEXPECTED_MESSAGE',
        message: 'an agent on trial sends nothing after auth',
        refId: message.id,
      });
      return;
    }
    // A frame stamped with a newer version than the socket's handshake: answered in the
    // socket's version, which has no answer for it.
    if ((MESSAGE_SINCE_VERSION[message.type] ?? 1) > conn.protocolVersion) {
      conn.send('error', {
        code: 'UNEXPECTED_MESSAGE',
        message: `${message.type} is not part of protocol version ${conn.protocolVersion}`,
        refId: message.id,
      });
      return;
    }
    switch (message.type) {
      case 'heartbeat':
        this.telemetry.recordHeartbeat(deviceId, message.body);
        return;
      case 'inventory':
        await this.telemetry.saveInventory(deviceId, message.body);
        conn.send('ack', { ackId: message.id });
        return;
      case 'run_accepted':
      case 'run_rejected':
      case 'output':
      case 'result':
      case 'check_results':
      case 'follow_status':
      case 'follow_lines':
      case 'dir_listing':
      case 'web_check_results':
      case 'log_manifest':
        return this.dispatch(conn, message);
      case 'error':
        this.logger.warn(
          `device ${deviceId} reported ${message.body.code}: ${message.body.message}`,
        );
        return;
      case 'auth':
        conn.send('error', {
          code: 'UNEXPECTED_MESSAGE',
          message: 'already authenticated',
          refId: message.id,
        });
        return;
    }
  }

  private dispatch(
    conn: AgentConnection,
    message: Extract<AgentMessage, { type: RoutedType }>,
  ): void {
    const deviceId = conn.deviceId as string;
    const handler = this.routes[message.type] as RoutedHandler<typeof message.type> | undefined;
    if (!handler) {
      this.logger.warn(`no handler for ${message.type} from ${deviceId}`);
      return;
    }
    handler(deviceId, message.body, { ...replyOf(conn), id: message.id });
  }
}

const replyOf = (conn: AgentConnection): Omit<AgentReply, 'id'> => ({
  connection: conn,
  protocolVersion: conn.protocolVersion,
  send: (type, body) => conn.send(type, body),
});
