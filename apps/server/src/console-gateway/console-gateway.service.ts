import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { AlertEvents } from '../alerts/alert-events';
import { AuthService } from '../auth/auth.service';
import { readSocketCredential } from '../auth/credentials';
import type { Actor } from '../common/actor';
import { type Principal } from '../common/auth.decorators';
import { originAllowed } from '../common/origin';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DeviceEvents } from '../devices/device-events';
import { JobEvents } from '../jobs/job-events';
import { LogFollowService } from '../log-collection/log-follow.service';
import type { ConsoleClientEvents, ConsoleServerEvents } from '@fleetdesk/api-types';

export const CONSOLE_SOCKET_PATH = '/socket.io';
const RECHECK_EVERY_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ConsoleSocket = Socket<
  ConsoleClientEvents,
  ConsoleServerEvents,
  Record<string, never>,
  { principal: Principal; secret: string }
>;

/**
 * Live updates for technicians. Authenticates each socket with the same session or API token
 * as the REST API, re-checks it every minute, and relays device events to the "fleet" room.
 */
@Injectable()
export class ConsoleGatewayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ConsoleGateway');
  private io?: Server<ConsoleClientEvents, ConsoleServerEvents>;
  private readonly unsubscribe: (() => void)[] = [];
  private recheckTimer?: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly auth: AuthService,
    private readonly events: DeviceEvents,
    private readonly jobEvents: JobEvents,
    private readonly alertEvents: AlertEvents,
    private readonly follows: LogFollowService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const http = this.adapterHost.httpAdapter.getHttpServer() as HttpServer;
    this.io = new Server(http, {
      path: CONSOLE_SOCKET_PATH,
      serveClient: false,
      // The agent endpoint shares this HTTP server; leave upgrades for other paths alone.
      destroyUpgrade: false,
      allowRequest: (req, callback) => {
        // A browser may open the console socket only from a trusted page; otherwise any page a
        // technician visits could ride their session cookie into a live feed of the fleet.
        const allowed = originAllowed(req.headers, this.config.consoleOrigins);
        callback(allowed ? null : 'origin not allowed', allowed);
      },
    });
    this.io.use((socket: ConsoleSocket, next) => {
      // Same reading as the REST guard; a malformed cookie refuses the handshake, not the process.
      const credential = readSocketCredential(socket.handshake.auth, socket.handshake.headers);
      if (credential.kind === 'none') return next(new Error('AUTH_REQUIRED'));
      if (credential.kind === 'malformed') return next(new Error('AUTH_MALFORMED'));
      const { secret } = credential;
      this.auth
        .authenticate(secret)
        .then((principal) => {
          if (!principal) return next(new Error('AUTH_INVALID'));
          socket.data.principal = principal;
          socket.data.secret = secret;
          next();
        })
        .catch(() => next(new Error('AUTH_INVALID')));
    });
    this.io.on('connection', (socket: ConsoleSocket) => {
      void socket.join('fleet');
      // Every signed-in role may watch jobs; a job id that is not a uuid is ignored.
      socket.on('job.watch', (jobId, ack) => {
        const ok = typeof jobId === 'string' && UUID.test(jobId);
        if (ok) void socket.join(`job:${jobId}`);
        if (typeof ack === 'function') ack(ok);
      });
      socket.on('job.unwatch', (jobId) => {
        if (typeof jobId === 'string') void socket.leave(`job:${jobId}`);
      });
      // Live follow: the service checks the role and the request, and audits the start.
      socket.on('follow.start', (request, ack) => {
        const { principal } = socket.data;
        const actor: Actor = {
          kind: 'user',
          userId: principal.userId,
          email: principal.email,
          role: principal.role,
          ip: socket.handshake.address || null,
        };
        this.follows
          .start({ socketId: socket.id, actor }, request)
          .then((result) => {
            // The page closed while the start was under way: end what it started.
            if (!socket.connected) this.follows.viewerLeft(socket.id);
            if (typeof ack === 'function') ack(result);
          })
          .catch((error: unknown) => {
            this.logger.error(`follow.start failed: ${String(error)}`);
            if (typeof ack === 'function') {
              ack({
                ok: false,
                code: 'FOLLOW_INVALID',
                message: 'the follow could not be started',
              });
            }
          });
      });
      socket.on('follow.stop', (followId) => this.follows.stop(socket.id, followId));
      socket.on('follow.heartbeat', (followId) => this.follows.heartbeat(socket.id, followId));
      socket.on('disconnect', () => this.follows.viewerLeft(socket.id));
    });

    const fleet = () => this.io?.to('fleet');
    this.unsubscribe.push(
      this.events.on('status', (e) => fleet()?.emit('device.status', e)),
      this.events.on('metrics', (e) => fleet()?.emit('device.metrics', e)),
      this.events.on('changed', (e) => fleet()?.emit('device.changed', e)),
      this.jobEvents.on('run.output', (e) => this.watchers(e.jobId)?.emit('run.output', e)),
      this.jobEvents.on('run.status', (e) => this.watchers(e.jobId)?.emit('run.status', e)),
      this.jobEvents.on('job.changed', (e) => fleet()?.emit('job.changed', e)),
      this.alertEvents.on('changed', (e) => fleet()?.emit('alerts.changed', e)),
      this.follows.output.on('status', (socketId, e) =>
        this.io?.to(socketId).emit('follow.status', e),
      ),
      this.follows.output.on('lines', (socketId, e) =>
        this.io?.to(socketId).emit('follow.lines', e),
      ),
    );
    this.recheckTimer = setInterval(() => void this.recheckSessions(), RECHECK_EVERY_MS);
  }

  /**
   * The consoles watching a job on this node, or nothing when none is: a fan-out emits three
   * events per run, and socket.io encodes each one even for an empty room.
   */
  private watchers(jobId: string) {
    const room = `job:${jobId}`;
    return this.io?.sockets.adapter.rooms.has(room) ? this.io.to(room) : undefined;
  }

  beforeApplicationShutdown(): void {
    this.closeSockets();
  }

  /**
   * Disconnects every console (the browser reconnects, to another node behind the balancer).
   * main.ts calls it before closing the HTTP server, which would otherwise wait on these
   * sockets; calling it twice is harmless.
   */
  closeSockets(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.recheckTimer);
    this.unsubscribe.splice(0).forEach((off) => off());
    this.io?.disconnectSockets(true);
    // io.close() would also close the shared HTTP server, which main.ts closes itself.
    this.io?.engine.close();
  }

  /** Logged-out, expired or disabled users stop receiving fleet data within a minute. */
  private async recheckSessions(): Promise<void> {
    for (const socket of (await this.io?.fetchSockets()) ?? []) {
      const principal = await this.auth
        .authenticate((socket.data as { secret: string }).secret)
        .catch(() => null);
      if (!principal) socket.disconnect(true);
    }
  }
}
