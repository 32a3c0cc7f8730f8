import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
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
import { SetPushSource, SignedSetPusher } from '../common/signed-set-push';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { type DeviceFacets, DevicesService } from '../devices/devices.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { runFromOf, runsFromDevices, WebsiteCheckEntity } from './website-check.entity';
import { WebsiteChecksService } from './website-checks.service';

/** The first protocol version with `web_checks`: older agents are never sent one. */
export const WEB_CHECKS_SINCE = 6;

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
 * Pushes each connected agent (protocol 6 and later) the website checks it runs
 * (SignedSetPusher): right after it authenticates, and whenever the set may have changed.
 * Every process watches a cheap fingerprint of the checks (count and latest change) and the
 * agent checks' targets revision (which moves when devices' tags or groups change, from any
 * process), and re-derives the sets of the agents it holds when either moves, sending only to
 * those whose set changed. Devices are chosen as agent checks choose theirs
 * (AgentChecksService.targetApplies).
 */
@Injectable()
export class WebsiteCheckDelivery
  implements OnApplicationBootstrap, OnApplicationShutdown, SetPushSource<WebCheckSpec[]>
{
  private readonly pusher: SignedSetPusher<WebCheckSpec[]>;
  private fingerprint = '';
  /** Enabled checks that run from some device. */
  private running: WebsiteCheckEntity[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly gateway: AgentGatewayService,
    private readonly devices: DevicesService,
    private readonly serverKeys: ServerKeysService,
    private readonly agentChecks: AgentChecksService,
    private readonly websiteChecks: WebsiteChecksService,
  ) {
    this.pusher = new SignedSetPusher('WebsiteCheckDelivery', gateway, this, {
      sinceProtocol: WEB_CHECKS_SINCE,
      tickMs: config.monitorTickMs,
    });
  }

  onApplicationBootstrap(): void {
    this.pusher.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.pusher.stop();
  }

  /** Re-reads the checks when the fingerprint moved; true when it did. */
  async load(): Promise<boolean> {
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
    await this.websiteChecks.closeStrayDeviceAlerts(enabled);
    return true;
  }

  async setsOf(deviceIds: string[]): Promise<Map<string, WebCheckSpec[]>> {
    const facets = this.running.length
      ? await this.devices.facetsOf(deviceIds)
      : new Map<string, never>();
    return new Map(
      deviceIds.map((id) => {
        const f = facets.get(id);
        const specs = (f ? this.applying(id, f) : []).slice(0, WEB_CHECK_LIMITS.perDevice);
        return [id, specs.map(toWebCheckSpec)];
      }),
    );
  }

  send(deviceId: string, checks: WebCheckSpec[]): boolean {
    const body: Omit<WebChecksBody, 'signature'> = { deviceId, issuedAt: Date.now(), checks };
    const signature = this.serverKeys.sign(webChecksSigningPayload(body));
    return this.gateway.send(deviceId, 'web_checks', { ...body, signature });
  }

  /** Sends each of these devices (held here, speaking protocol 6) its set, if it changed. */
  deliver(deviceIds: string[]): Promise<number> {
    return this.pusher.deliver(deviceIds);
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
