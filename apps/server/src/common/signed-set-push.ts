import { Logger } from '@nestjs/common';
import { Periodic } from './periodic';

/** What a pusher needs of the agent gateway (AgentGatewayService has it). */
export interface SetPushGateway {
  /** The device's live socket here as an opaque identity, or undefined. */
  connectionOf(deviceId: string): object | undefined;
  protocolVersion(deviceId: string): number | undefined;
  connectedDeviceIds(): string[];
  onAuthenticated(listener: (deviceId: string) => void): void;
}

/** One kind of set (agent checks, website checks...): where it comes from, how it is sent. */
export interface SetPushSource<S> {
  /** Re-reads what the sets are made of when it moved (a cheap probe otherwise); true if so. */
  load(): Promise<boolean>;
  /** Each device's set as of the last load, for up to 1,000 devices at a time. */
  setsOf(deviceIds: string[]): Promise<Map<string, S>>;
  /** Signs and sends a device its set; false when its socket is gone. */
  send(deviceId: string, set: S): boolean;
  /** Runs first on each tick (e.g. moving a revision after a change heard here). */
  beforeTick?(): Promise<void>;
}

export interface SetPushOptions {
  /** The first protocol version that knows the message: older agents are never sent one. */
  sinceProtocol: number;
  tickMs: number;
  /** A change signal was lost, or a device's facets changed unseen: sets are re-derived this often. */
  refreshEveryMs?: number;
  /** Devices that authenticate within this long are served together. */
  arrivalBatchMs?: number;
}

const CHUNK = 1000;

/**
 * Pushes each connected agent a signed set of its own: right after it authenticates, and on
 * each tick where the source says the sets may have changed, sending only to the devices
 * whose set did. Every process runs one per kind for the sockets it holds, and sources read
 * a revision from the database, so a change made through any process reaches every agent.
 *
 * What was sent is kept per socket identity, not cleared when a device authenticates: the
 * gateway lists a socket as live (and a tick may serve it) before it tells its listeners, and
 * clearing then sent the same set twice. A new socket always gets its set, empty or not: the
 * agent keeps the set it had across reconnects, and it may have changed meanwhile.
 */
export class SignedSetPusher<S> {
  private readonly logger: Logger;
  private readonly loop: Periodic;
  private readonly refreshEveryMs: number;
  private readonly arrivalBatchMs: number;
  private refreshedAt = 0;
  private readonly sent = new Map<string, { conn: object; json: string }>();
  private readonly arrived = new Set<string>();
  private arrivalTimer?: NodeJS.Timeout;

  constructor(
    private readonly name: string,
    private readonly gateway: SetPushGateway,
    private readonly source: SetPushSource<S>,
    private readonly options: SetPushOptions,
  ) {
    this.logger = new Logger(name);
    this.loop = new Periodic(name, options.tickMs, () => this.tick(), this.logger);
    this.refreshEveryMs = options.refreshEveryMs ?? 5 * 60_000;
    this.arrivalBatchMs = options.arrivalBatchMs ?? 100;
  }

  /** Listens for arrivals and starts ticking; call once, at application bootstrap. */
  start(): void {
    this.gateway.onAuthenticated((deviceId) => {
      this.arrived.add(deviceId);
      this.arrivalTimer ??= setTimeout(() => {
        this.arrivalTimer = undefined;
        const ids = [...this.arrived];
        this.arrived.clear();
        void this.deliver(ids).catch((e: unknown) =>
          this.logger.error(
            `${this.name}: ${ids.length} device(s) not served: ${(e as Error).message}`,
          ),
        );
      }, this.arrivalBatchMs);
    });
    this.loop.start();
  }

  stop(): Promise<void> {
    clearTimeout(this.arrivalTimer);
    return this.loop.stop();
  }

  /** One tick now (after any under way). */
  tickNow(): Promise<void> {
    return this.loop.runOnce();
  }

  private async tick(): Promise<void> {
    await this.source.beforeTick?.();
    const changed = await this.source.load();
    for (const [id, last] of this.sent) {
      if (this.gateway.connectionOf(id) !== last.conn) this.sent.delete(id);
    }
    if (!changed && Date.now() - this.refreshedAt < this.refreshEveryMs) return;
    this.refreshedAt = Date.now();
    await this.send(this.gateway.connectedDeviceIds());
  }

  /**
   * Sends each of these devices (held here, speaking a new enough protocol) its set, if it
   * changed. Re-reads first if the source moved since the last tick (one cheap probe): a device
   * arriving just after an item was deleted must not be sent the deleted one.
   */
  async deliver(deviceIds: string[]): Promise<number> {
    await this.source.load();
    return this.send(deviceIds);
  }

  private async send(deviceIds: string[]): Promise<number> {
    const ids = deviceIds.filter(
      (id) => (this.gateway.protocolVersion(id) ?? 0) >= this.options.sinceProtocol,
    );
    let sent = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const sets = await this.source.setsOf(ids.slice(i, i + CHUNK));
      for (const [deviceId, set] of sets) {
        const json = JSON.stringify(set);
        const conn = this.gateway.connectionOf(deviceId);
        const last = this.sent.get(deviceId);
        if (!conn || (last?.conn === conn && last.json === json)) continue;
        if (this.source.send(deviceId, set)) {
          this.sent.set(deviceId, { conn, json });
          sent += 1;
        }
      }
    }
    return sent;
  }
}
