import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import {
  FOLLOW_LIMITS,
  type FollowLinesEvent,
  type FollowSourceRequest,
  type FollowStartAck,
  type FollowStatusEvent,
  followRequestProblem,
  type FollowStartRequest,
  roleAtLeast,
} from '@fleetdesk/api-types';
import {
  describeFollowSource,
  type FollowLinesBody,
  followKeepaliveSigningPayload,
  followStartSigningPayload,
  type FollowStatusBody,
  followStopSigningPayload,
  newNonce,
} from '@fleetdesk/protocol';
import { randomUUID } from 'node:crypto';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { TypedEvents } from '../common/typed-events';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DeviceEvents } from '../devices/device-events';
import { DevicesService } from '../devices/devices.service';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { LogSettingsService } from './log-settings.service';

/** The first protocol version with live follow. */
const FOLLOW_PROTOCOL = 4;
/** How long the agent has to say it follows (or why not) before the viewer is told it did not. */
const START_ANSWER_MS = 15_000;
const SWEEP_MS = 5_000;
/** Refusals the device judged: audited, as a denied collection path is. */
const AUDITED_REFUSALS = new Set(['denied', 'not_allowed', 'rejected']);

const fail = (code: Exclude<FollowStartAck, { ok: true }>['code'], message: string) =>
  ({ ok: false, code, message }) as const;

/** Who watches a follow: a console socket on this node, and the technician behind it. */
export interface FollowViewer {
  /** The socket.io socket id (also its own room). */
  socketId: string;
  actor: Actor;
}

interface FollowSession {
  followId: string;
  deviceId: string;
  source: FollowSourceRequest;
  viewer: FollowViewer;
  state: FollowStatusEvent['state'];
  startedAt: number;
  lastHeartbeat: number;
  answerTimer?: NodeJS.Timeout;
}

/** What the console gateway relays to one socket. */
export type FollowOutputMap = {
  status: [socketId: string, event: FollowStatusEvent];
  lines: [socketId: string, event: FollowLinesEvent];
};

/**
 * Live follow sessions held by this node: one per (device, viewer socket), each an agent
 * follow of its own. The follow ends when its viewer leaves (stop, page closed = socket gone),
 * when the viewer has sent no heartbeat for FOLLOW_IDLE_SECONDS, when the device disconnects,
 * or when the agent ends it; in every case the agent is told (or has already stopped), and
 * the agent stops on its own too if this node stops keeping it alive.
 *
 * Across nodes: a session lives where its viewer is, and this node must hold the device's
 * socket. The cross-node bus (REDIS_URL) is not built yet (README, REDIS_URL: "used from a
 * later release"), so a device connected to another node is refused with FOLLOW_OTHER_NODE
 * rather than left silent; the agent-facing calls below (send, route) are the seam that bus
 * will carry, the same as for job output.
 */
@Injectable()
export class LogFollowService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LogFollow');
  private readonly sessions = new Map<string, FollowSession>();
  /** Follow ids an agent kept sending after we forgot them, told to stop once each. */
  private readonly strays = new Set<string>();
  readonly output = new TypedEvents<FollowOutputMap>();
  private sweepTimer?: NodeJS.Timeout;
  private keepaliveTimer?: NodeJS.Timeout;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly gateway: AgentGatewayService,
    private readonly serverKeys: ServerKeysService,
    private readonly settings: LogSettingsService,
    private readonly devices: DevicesService,
    private readonly telemetry: DeviceTelemetryService,
    private readonly deviceEvents: DeviceEvents,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.gateway.route('follow_status', (deviceId, body) => this.onAgentStatus(deviceId, body));
    this.gateway.route('follow_lines', (deviceId, body) => this.onAgentLines(deviceId, body));
    this.unsubscribe.push(
      this.deviceEvents.on('status', (e) => {
        if (e.status !== 'online') this.endDevice(e.deviceId, 'the device disconnected');
      }),
      this.deviceEvents.on('revoked', ({ deviceId }) =>
        this.endDevice(deviceId, 'the device was revoked'),
      ),
    );
    this.sweepTimer = setInterval(() => this.sweepIdle(), SWEEP_MS);
    this.keepaliveTimer = setInterval(
      () => this.keepAlive(),
      Math.floor(FOLLOW_LIMITS.keepaliveTimeoutMs.default / 3),
    );
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
    clearInterval(this.keepaliveTimer);
    this.unsubscribe.splice(0).forEach((off) => off());
    for (const s of [...this.sessions.values()]) this.end(s, 'stopped', 'the server is stopping');
  }

  /** Live sessions on this node (tests, diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * A console asks to follow a source on a device. Checked here, as a REST route would be:
   * the role (technicians, like jobs), the request's shape, the device. Audited before it is
   * sent; what the device answers (following, or refused and why) comes as a status.
   */
  async start(viewer: FollowViewer, request: unknown): Promise<FollowStartAck> {
    if (!viewer.actor.role || !roleAtLeast(viewer.actor.role, 'technician')) {
      return fail('FOLLOW_FORBIDDEN', 'following a log needs the technician role');
    }
    const problem = followRequestProblem(request);
    if (problem) return fail('FOLLOW_INVALID', problem);
    const { deviceId, source } = request as FollowStartRequest;
    const identity = await this.telemetry.findIdentity(deviceId);
    if (!identity) return fail('FOLLOW_DEVICE_NOT_FOUND', `no device ${deviceId}`);
    if (identity.revoked) return fail('FOLLOW_DEVICE_NOT_FOUND', 'the device is revoked');
    if (!this.gateway.isConnected(deviceId)) {
      const device = await this.devices.get(deviceId).catch(() => null);
      return device?.status === 'online'
        ? fail(
            'FOLLOW_OTHER_NODE',
            'the device is connected to another server node; live follow across nodes needs the cross-node bus, not in this release',
          )
        : fail('FOLLOW_DEVICE_OFFLINE', 'the device is offline');
    }
    if ((this.gateway.protocolVersion(deviceId) ?? 1) < FOLLOW_PROTOCOL) {
      return fail(
        'FOLLOW_AGENT_TOO_OLD',
        'this agent version cannot follow logs; update the agent',
      );
    }
    // One follow per viewer and device: a new source replaces the one on screen.
    for (const s of this.sessions.values()) {
      if (s.deviceId === deviceId && s.viewer.socketId === viewer.socketId) {
        this.end(s, 'stopped', 'replaced by a new follow');
      }
    }
    const onDevice = [...this.sessions.values()].filter((s) => s.deviceId === deviceId).length;
    if (onDevice >= FOLLOW_LIMITS.perAgent) {
      return fail(
        'FOLLOW_BUSY',
        `${FOLLOW_LIMITS.perAgent} live follows already run on this device; stop one first`,
      );
    }
    const followId = randomUUID();
    await this.audit.recordAlone(viewer.actor, {
      action: 'log_follow.start',
      targetType: 'device',
      targetId: deviceId,
      details: { followId, source: source.type, what: describeFollowSource(source) },
    });
    const { allow, deny } = await this.settings.get();
    const now = Date.now();
    const unsigned = {
      followId,
      deviceId,
      source,
      lastLines: FOLLOW_LIMITS.lastLines.default,
      linesPerSecond: this.config.follow.linesPerSecond,
      bytesPerSecond: this.config.follow.bytesPerSecond,
      keepaliveTimeoutMs: FOLLOW_LIMITS.keepaliveTimeoutMs.default,
      allow,
      deny,
      issuedAt: now,
      expiresAt: now + FOLLOW_LIMITS.validityMs,
      nonce: newNonce(),
    };
    const session: FollowSession = {
      followId,
      deviceId,
      source,
      viewer,
      state: 'starting',
      startedAt: now,
      lastHeartbeat: now,
    };
    this.sessions.set(followId, session);
    const sent = this.gateway.send(deviceId, 'follow_start', {
      ...unsigned,
      signature: this.serverKeys.sign(followStartSigningPayload(unsigned)),
    });
    if (!sent) {
      this.sessions.delete(followId);
      return fail('FOLLOW_DEVICE_OFFLINE', 'the device went offline');
    }
    session.answerTimer = setTimeout(() => {
      if (this.sessions.get(followId)?.state === 'starting') {
        this.end(session, 'failed', 'the agent did not answer in time');
      }
    }, START_ANSWER_MS);
    this.emitStatus(session, {
      message: `asking the device to follow ${describeFollowSource(source)}`,
    });
    return { ok: true, followId };
  }

  /** The viewer stopped it (or the page went away): only its own follows. */
  stop(socketId: string, followId: unknown): void {
    if (typeof followId !== 'string') return;
    const session = this.sessions.get(followId);
    if (session?.viewer.socketId === socketId)
      this.end(session, 'stopped', 'stopped by the viewer');
  }

  /** The viewer's page is open and visible: the follow is watched. */
  heartbeat(socketId: string, followId: unknown): void {
    if (typeof followId !== 'string') return;
    const session = this.sessions.get(followId);
    if (session?.viewer.socketId === socketId) session.lastHeartbeat = Date.now();
  }

  /** The viewer's socket closed (page closed, signed out): its follows end now. */
  viewerLeft(socketId: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.viewer.socketId === socketId) this.end(s, 'stopped', 'the viewer left');
    }
  }

  private onAgentStatus(deviceId: string, body: FollowStatusBody): void {
    const session = this.sessions.get(body.followId);
    // Another device's follow id is ignored: a device speaks only for its own follows.
    if (!session || session.deviceId !== deviceId) return;
    if (body.state === 'following') {
      clearTimeout(session.answerTimer);
      session.state = 'following';
      this.emitStatus(session, { message: body.message, realPath: body.realPath });
      return;
    }
    const reason = body.reason ?? 'failed';
    if (AUDITED_REFUSALS.has(reason)) {
      this.audit
        .recordAlone(session.viewer.actor, {
          action: 'log_follow.refused',
          targetType: 'device',
          targetId: deviceId,
          details: {
            followId: body.followId,
            what: describeFollowSource(session.source),
            reason,
            message: body.message,
            ...(body.realPath ? { realPath: body.realPath } : {}),
          },
        })
        .catch((error: unknown) => this.logger.error(`audit failed: ${String(error)}`));
    }
    this.forget(session);
    this.emitStatus(session, {
      state: 'ended',
      reason,
      message: body.message,
      realPath: body.realPath,
    });
  }

  private onAgentLines(deviceId: string, body: FollowLinesBody): void {
    const session = this.sessions.get(body.followId);
    if (!session || session.deviceId !== deviceId) {
      // A follow this node no longer knows (its stop was lost): tell the agent once more.
      if (!session && !this.strays.has(body.followId)) {
        if (this.strays.size > 1000) this.strays.clear();
        this.strays.add(body.followId);
        this.sendStop(deviceId, body.followId);
      }
      return;
    }
    const event: FollowLinesEvent = { followId: body.followId, lines: body.lines };
    if (body.skippedLines) event.skippedLines = body.skippedLines;
    if (body.skippedBytes) event.skippedBytes = body.skippedBytes;
    if (body.notice) event.notice = body.notice;
    this.output.emit('lines', session.viewer.socketId, event);
  }

  private end(session: FollowSession, reason: string, message: string): void {
    if (!this.forget(session)) return;
    this.sendStop(session.deviceId, session.followId);
    this.emitStatus(session, { state: 'ended', reason, message });
  }

  /** Removes it; false when it was already gone. */
  private forget(session: FollowSession): boolean {
    clearTimeout(session.answerTimer);
    if (this.sessions.get(session.followId) !== session) return false;
    this.sessions.delete(session.followId);
    return true;
  }

  private endDevice(deviceId: string, message: string): void {
    for (const s of [...this.sessions.values()]) {
      if (s.deviceId !== deviceId) continue;
      // The agent's socket is gone: it has stopped its follows itself.
      this.forget(s);
      this.emitStatus(s, { state: 'ended', reason: 'stopped', message });
    }
  }

  private sendStop(deviceId: string, followId: string): void {
    if ((this.gateway.protocolVersion(deviceId) ?? 1) < FOLLOW_PROTOCOL) return;
    this.gateway.send(deviceId, 'follow_stop', {
      followId,
      deviceId,
      signature: this.serverKeys.sign(followStopSigningPayload(followId, deviceId)),
    });
  }

  private sweepIdle(): void {
    const limit = this.config.follow.idleMs;
    const now = Date.now();
    for (const s of [...this.sessions.values()]) {
      if (now - s.lastHeartbeat > limit) {
        this.end(s, 'idle', `no viewer activity for ${Math.round(limit / 1000)} s`);
      }
    }
  }

  /** Tells each device which of its follows are still watched; the rest stop by themselves. */
  private keepAlive(): void {
    const byDevice = new Map<string, string[]>();
    for (const s of this.sessions.values()) {
      const ids = byDevice.get(s.deviceId) ?? [];
      ids.push(s.followId);
      byDevice.set(s.deviceId, ids);
    }
    const issuedAt = Date.now();
    for (const [deviceId, all] of byDevice) {
      const followIds = all.slice(0, FOLLOW_LIMITS.keepaliveIds);
      const unsigned = { deviceId, followIds, issuedAt };
      this.gateway.send(deviceId, 'follow_keepalive', {
        ...unsigned,
        signature: this.serverKeys.sign(followKeepaliveSigningPayload(unsigned)),
      });
    }
  }

  private emitStatus(
    session: FollowSession,
    change: Partial<Omit<FollowStatusEvent, 'followId'>> & { message: string },
  ): void {
    if (change.state) session.state = change.state;
    const event: FollowStatusEvent = {
      followId: session.followId,
      state: session.state,
      message: change.message,
    };
    if (change.reason) event.reason = change.reason;
    if (change.realPath) event.realPath = change.realPath;
    this.output.emit('status', session.viewer.socketId, event);
  }
}
