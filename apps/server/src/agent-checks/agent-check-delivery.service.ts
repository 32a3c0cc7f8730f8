import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { AGENT_CHECK_LIMITS } from '@fleetdesk/api-types';
import { type AgentCheckSpec, checksSigningPayload, type ChecksBody } from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { SetPushSource, SignedSetPusher } from '../common/signed-set-push';
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
/** Devices whose check states are looked at together when a revision moves. */
const STRAY_SCAN_DEVICES = 1000;

/**
 * Pushes each connected agent its check set (SignedSetPusher): right after it authenticates,
 * and whenever the set changes. Every process watches `agent_check_revision` (one row, one
 * cheap read per tick) and re-derives the sets of the agents it holds, sending only to those
 * whose set changed; so a check edited through any process reaches every agent, whichever
 * process holds its socket. The revision also moves when a policy's checks or targets change
 * (the policies module calls `AgentChecksService.targetsChanged`) and when a technician changes
 * devices' tags or group (the devices module's `facets` event, heard here): each is rare, and
 * one re-derivation per tick covers any number of them.
 */
@Injectable()
export class AgentCheckDelivery
  implements OnApplicationBootstrap, OnApplicationShutdown, SetPushSource<AgentCheckSpec[]>
{
  private readonly pusher: SignedSetPusher<AgentCheckSpec[]>;
  private revision = -1;
  private enabled: AgentCheckEntity[] = [];
  /** Other features' extra targets (policies' groups and tags) by check id. */
  private extra = new Map<string, CheckExtraTarget[]>();
  /** A device's tags or group changed here: the revision is moved at the next tick. */
  private facetsChanged = false;
  private offFacets?: () => void;

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
    this.pusher = new SignedSetPusher('AgentCheckDelivery', gateway, this, {
      sinceProtocol: CHECKS_SINCE,
      tickMs: config.monitorTickMs,
    });
  }

  onApplicationBootstrap(): void {
    this.offFacets = this.deviceEvents.on('facets', () => {
      this.facetsChanged = true;
    });
    this.pusher.start();
  }

  onApplicationShutdown(): Promise<void> {
    this.offFacets?.();
    return this.pusher.stop();
  }

  async beforeTick(): Promise<void> {
    if (!this.facetsChanged) return;
    // Cleared first: a change heard while the bump runs moves it again next tick.
    this.facetsChanged = false;
    await this.checks.targetsChanged(this.dataSource.manager);
  }

  /** The enabled checks, re-read when the revision moved. */
  async load(): Promise<boolean> {
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
    await this.dropStrays();
    return true;
  }

  /**
   * Ends the state (and open alert) of each device an enabled check no longer takes in: a
   * target narrowed, a device's tags or group changed, a policy moved. Runs when the revision
   * moves, which every such change does; a disabled or deleted check's alerts are closed by
   * AgentChecksService itself.
   */
  private async dropStrays(): Promise<void> {
    const enabled = new Map(this.enabled.map((c) => [c.id, c]));
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const { deviceIds, pairs } = await this.checks.statePairs(after, STRAY_SCAN_DEVICES);
      if (deviceIds.length === 0) return;
      after = deviceIds[deviceIds.length - 1];
      const facets = await this.devices.facetsOf(deviceIds);
      const strays = pairs.filter((p) => {
        const c = enabled.get(p.checkId);
        const f = facets.get(p.deviceId);
        // A device gone or revoked keeps its history; only a live device left out is ended.
        return c && f && !checkApplies(c, p.deviceId, f, this.extra.get(c.id));
      });
      await this.checks.dropStates(strays);
    }
  }

  async setsOf(deviceIds: string[]): Promise<Map<string, AgentCheckSpec[]>> {
    // Without any check, every set is empty: no need to look at the devices.
    const facets = this.enabled.length
      ? await this.devices.facetsOf(deviceIds)
      : new Map<string, never>();
    return new Map(
      deviceIds.map((id) => {
        const f = facets.get(id);
        return [
          id,
          f
            ? this.applying(id, f).slice(0, AGENT_CHECK_LIMITS.perDevice).map(toAgentCheckSpec)
            : [],
        ];
      }),
    );
  }

  send(deviceId: string, checks: AgentCheckSpec[]): boolean {
    const body: Omit<ChecksBody, 'signature'> = {
      deviceId,
      issuedAt: Date.now(),
      summaryIntervalMs: this.config.agentCheckSummaryMs,
      checks,
    };
    const signature = this.serverKeys.sign(checksSigningPayload(body));
    return this.gateway.send(deviceId, 'checks', { ...body, signature });
  }

  /** Sends each of these devices (held here, speaking protocol 3) its set, if it changed. */
  deliver(deviceIds: string[]): Promise<number> {
    return this.pusher.deliver(deviceIds);
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
