import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { checksSigningPayload, type ChecksBody } from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { Periodic } from '../common/periodic';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DeviceEvents } from '../devices/device-events';
import { type DeviceFacets, DevicesService } from '../devices/devices.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { AgentCheckEntity, toAgentCheckSpec } from './agent-check.entity';
import { AgentChecksService } from './agent-checks.service';
import { AgentCheckTargetSources, type CheckExtraTarget } from './check-target-sources';
import { checkApplies } from './check-targets';

/** The first protocol version with `checks`: older agents are never sent one. */
const CHECKS_SINCE = 3;
/**
 * A device's tags or group changed through another process, or a change signal was lost: sets
 * are also re-derived this often.
 */
const REFRESH_EVERY_MS = 5 * 60_000;
const ARRIVAL_BATCH_MS = 100;

/**
 * Pushes each connected agent its check set: right after it authenticates, and whenever the
 * set changes. Every process watches `agent_check_revision` (one row, one cheap read per tick)
 * and re-derives the sets of the agents it holds, sending only to those whose set changed; so
 * a check edited through any process reaches every agent, whichever process holds its socket.
 * The revision also moves when a policy's checks or targets change (the policies module calls
 * `AgentChecksService.targetsChanged`) and when a technician changes devices' tags or group
 * (the devices module's `facets` event, heard here): each is rare, and one re-derivation per
 * tick covers any number of them.
 */
@Injectable()
export class AgentCheckDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgentCheckDelivery.name);
  private readonly loop: Periodic;
  private revision = -1;
  private refreshedAt = 0;
  private enabled: AgentCheckEntity[] = [];
  /** Other features' extra targets (policies' groups and tags) by check id. */
  private extra = new Map<string, CheckExtraTarget[]>();
  /** A device's tags or group changed here: the revision is moved at the next tick. */
  private facetsChanged = false;
  private offFacets?: () => void;
  /**
   * The set last sent to each device held here, as its JSON, and on which socket: a new socket
   * gets its set again, the same socket only a change. Keyed by the socket rather than cleared
   * when a device authenticates, because the gateway lists a socket as live (and a tick may
   * serve it) before it tells its listeners, and clearing then sent the same set twice.
   */
  private readonly sent = new Map<string, { conn: object; json: string }>();
  /** Devices just authenticated, served together: a reconnect storm costs a few queries. */
  private readonly arrived = new Set<string>();
  private arrivalTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly gateway: AgentGatewayService,
    private readonly devices: DevicesService,
    private readonly serverKeys: ServerKeysService,
    private readonly sources: AgentCheckTargetSources,
    private readonly deviceEvents: DeviceEvents,
    private readonly checks: AgentChecksService,
  ) {
    this.loop = new Periodic('AgentCheckDelivery', config.monitorTickMs, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.offFacets = this.deviceEvents.on('facets', () => {
      this.facetsChanged = true;
    });
    this.gateway.onAuthenticated((deviceId) => {
      this.arrived.add(deviceId);
      this.arrivalTimer ??= setTimeout(() => {
        this.arrivalTimer = undefined;
        const ids = [...this.arrived];
        this.arrived.clear();
        void this.deliver(ids).catch((e: unknown) =>
          this.logger.error(`checks for ${ids.length} device(s) not sent: ${(e as Error).message}`),
        );
      }, ARRIVAL_BATCH_MS);
    });
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    this.offFacets?.();
    clearTimeout(this.arrivalTimer);
    return this.loop.stop();
  }

  /** The enabled checks, re-read when the revision moved. */
  private async load(): Promise<boolean> {
    const [{ revision }] = await this.dataSource.query<{ revision: string }[]>(
      `SELECT revision::text AS revision FROM agent_check_revision WHERE id = 1`,
    );
    const r = Number(revision);
    if (r === this.revision) return false;
    this.enabled = await this.dataSource
      .getRepository(AgentCheckEntity)
      .find({ where: { enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    this.extra = await this.sources.extraTargets();
    this.revision = r;
    return true;
  }

  private async tick(): Promise<void> {
    if (this.facetsChanged) {
      // Cleared first: a change heard while the bump runs moves it again next tick.
      this.facetsChanged = false;
      await this.checks.targetsChanged(this.dataSource.manager);
    }
    const changed = await this.load();
    for (const [id, last] of this.sent) {
      if (this.gateway.connectionOf(id) !== last.conn) this.sent.delete(id);
    }
    if (!changed && Date.now() - this.refreshedAt < REFRESH_EVERY_MS) return;
    this.refreshedAt = Date.now();
    await this.deliver(this.gateway.connectedDeviceIds());
  }

  /** Sends each of these devices (held here, speaking protocol 3) its set, if it changed. */
  async deliver(deviceIds: string[]): Promise<number> {
    // Re-read if the revision moved since the last tick (one cheap read): a device arriving
    // just after a check was deleted must not be sent the deleted one until the next tick.
    await this.load();
    const ids = deviceIds.filter((id) => (this.gateway.protocolVersion(id) ?? 0) >= CHECKS_SINCE);
    let sent = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      // Without any check, every set is empty: no need to look at the devices.
      const facets = this.enabled.length
        ? await this.devices.facetsOf(chunk)
        : new Map<string, never>();
      for (const deviceId of chunk) {
        const f = facets.get(deviceId);
        const specs = f ? this.applying(deviceId, f).map(toAgentCheckSpec) : [];
        const json = JSON.stringify(specs);
        const conn = this.gateway.connectionOf(deviceId);
        const last = this.sent.get(deviceId);
        if (!conn || (last?.conn === conn && last.json === json)) continue;
        const body: Omit<ChecksBody, 'signature'> = {
          deviceId,
          issuedAt: Date.now(),
          summaryIntervalMs: this.config.agentCheckSummaryMs,
          checks: specs.slice(0, 100),
        };
        const signature = this.serverKeys.sign(checksSigningPayload(body));
        if (this.gateway.send(deviceId, 'checks', { ...body, signature })) {
          this.sent.set(deviceId, { conn, json });
          sent += 1;
        }
      }
    }
    return sent;
  }

  /** The enabled checks that apply to a device (for judging its results). */
  async checksFor(deviceId: string): Promise<AgentCheckEntity[]> {
    if (this.revision < 0) await this.load();
    const f = (await this.devices.facetsOf([deviceId])).get(deviceId);
    return f ? this.applying(deviceId, f) : [];
  }

  private applying(deviceId: string, f: DeviceFacets): AgentCheckEntity[] {
    return this.enabled.filter((c) => checkApplies(c, deviceId, f, this.extra.get(c.id)));
  }
}
