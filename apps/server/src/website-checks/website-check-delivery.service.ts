import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  WEB_CHECK_LIMITS,
  type WebChecksBody,
  type WebCheckSpec,
  webChecksSigningPayload,
} from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { AgentChecksService } from '../agent-checks/agent-checks.service';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { Periodic } from '../common/periodic';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { type DeviceFacets, DevicesService } from '../devices/devices.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { runFromOf, runsFromDevices, WebsiteCheckEntity } from './website-check.entity';

/** The first protocol version with `web_checks`: older agents are never sent one. */
export const WEB_CHECKS_SINCE = 6;
/** A change signal was lost, or a device's facets changed unseen: sets are re-derived this often. */
const REFRESH_EVERY_MS = 5 * 60_000;
const ARRIVAL_BATCH_MS = 100;

export function toWebCheckSpec(c: WebsiteCheckEntity): WebCheckSpec {
  const spec: WebCheckSpec = {
    id: c.id,
    url: c.url,
    expectedStatus: c.expectedStatus,
    redirectPolicy: c.redirectPolicy,
    maxRedirects: c.maxRedirects,
    certWarnDays: c.certWarnDays,
    intervalMs: c.intervalSeconds * 1000,
    timeoutMs: c.timeoutMs,
  };
  if (c.latencyLimitMs !== null) spec.latencyLimitMs = c.latencyLimitMs;
  if (c.bodyContains !== null) spec.bodyContains = c.bodyContains;
  if (c.bodyNotContains !== null) spec.bodyNotContains = c.bodyNotContains;
  return spec;
}

/**
 * Pushes each connected agent (protocol 6 and later) the website checks it runs: right after
 * it authenticates, and whenever the set may have changed. Every process watches a cheap
 * fingerprint of the checks (count and latest change) and the agent checks' targets revision
 * (which moves when devices' tags or groups change, from any process), and re-derives the sets
 * of the agents it holds when either moves, sending only to those whose set changed. Devices
 * are chosen as agent checks choose theirs (AgentChecksService.targetApplies).
 */
@Injectable()
export class WebsiteCheckDelivery implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebsiteCheckDelivery.name);
  private readonly loop: Periodic;
  private fingerprint = '';
  private refreshedAt = 0;
  /** Enabled checks that run from some device. */
  private running: WebsiteCheckEntity[] = [];
  /** The set last sent to each device held here, as JSON, and on which socket (see agent checks). */
  private readonly sent = new Map<string, { conn: object; json: string }>();
  private readonly arrived = new Set<string>();
  private arrivalTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly gateway: AgentGatewayService,
    private readonly devices: DevicesService,
    private readonly serverKeys: ServerKeysService,
    private readonly agentChecks: AgentChecksService,
  ) {
    this.loop = new Periodic('WebsiteCheckDelivery', config.monitorTickMs, () => this.tick());
  }

  onApplicationBootstrap(): void {
    this.gateway.onAuthenticated((deviceId) => {
      this.arrived.add(deviceId);
      this.arrivalTimer ??= setTimeout(() => {
        this.arrivalTimer = undefined;
        const ids = [...this.arrived];
        this.arrived.clear();
        void this.deliver(ids).catch((e: unknown) =>
          this.logger.error(
            `website checks for ${ids.length} device(s) not sent: ${(e as Error).message}`,
          ),
        );
      }, ARRIVAL_BATCH_MS);
    });
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    clearTimeout(this.arrivalTimer);
    return this.loop.stop();
  }

  /** Re-reads the checks when the fingerprint moved; true when it did. */
  private async load(): Promise<boolean> {
    const [{ n, changed }] = await this.dataSource.query<{ n: number; changed: string | null }[]>(
      `SELECT count(*)::int AS n, max(updated_at)::text AS changed FROM website_check`,
    );
    const fingerprint = `${n}/${changed}/${await this.agentChecks.targetsRevision()}`;
    if (fingerprint === this.fingerprint) return false;
    const enabled = await this.dataSource
      .getRepository(WebsiteCheckEntity)
      .find({ where: { enabled: true }, order: { createdAt: 'ASC', id: 'ASC' } });
    this.running = enabled.filter(runsFromDevices);
    this.fingerprint = fingerprint;
    return true;
  }

  private async tick(): Promise<void> {
    const changed = await this.load();
    for (const [id, last] of this.sent) {
      if (this.gateway.connectionOf(id) !== last.conn) this.sent.delete(id);
    }
    if (!changed && Date.now() - this.refreshedAt < REFRESH_EVERY_MS) return;
    this.refreshedAt = Date.now();
    await this.deliver(this.gateway.connectedDeviceIds());
  }

  /** Sends each of these devices (held here, speaking protocol 6) its set, if it changed. */
  async deliver(deviceIds: string[]): Promise<number> {
    await this.load();
    const ids = deviceIds.filter(
      (id) => (this.gateway.protocolVersion(id) ?? 0) >= WEB_CHECKS_SINCE,
    );
    let sent = 0;
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const facets = this.running.length
        ? await this.devices.facetsOf(chunk)
        : new Map<string, never>();
      for (const deviceId of chunk) {
        const f = facets.get(deviceId);
        const specs = (f ? this.applying(deviceId, f) : [])
          .slice(0, WEB_CHECK_LIMITS.perDevice)
          .map(toWebCheckSpec);
        const json = JSON.stringify(specs);
        const conn = this.gateway.connectionOf(deviceId);
        const last = this.sent.get(deviceId);
        // A new socket always gets its set, empty or not: the agent keeps the set it had
        // across reconnects, and it may have changed meanwhile.
        if (!conn || (last?.conn === conn && last.json === json)) continue;
        const body: Omit<WebChecksBody, 'signature'> = {
          deviceId,
          issuedAt: Date.now(),
          checks: specs,
        };
        const signature = this.serverKeys.sign(webChecksSigningPayload(body));
        if (this.gateway.send(deviceId, 'web_checks', { ...body, signature })) {
          this.sent.set(deviceId, { conn, json });
          sent += 1;
        }
      }
    }
    return sent;
  }

  /**
   * The enabled checks a device runs now (for taking its results), by id: as of the last
   * tick, so a frame costs no re-read (a result racing a deletion is dropped by the insert).
   */
  async checksFor(deviceId: string): Promise<Map<string, WebsiteCheckEntity>> {
    if (!this.fingerprint) await this.load();
    if (this.running.length === 0) return new Map();
    const f = (await this.devices.facetsOf([deviceId])).get(deviceId);
    return new Map((f ? this.applying(deviceId, f) : []).map((c) => [c.id, c]));
  }

  private applying(deviceId: string, f: DeviceFacets): WebsiteCheckEntity[] {
    return this.running.filter((c) => this.agentChecks.targetApplies(runFromOf(c), deviceId, f));
  }
}
