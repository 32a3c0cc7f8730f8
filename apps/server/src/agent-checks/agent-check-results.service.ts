import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AgentCheckStatus } from '@fleetdesk/api-types';
import type { CheckResultItem, CheckResultsBody } from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { AlertsService } from '../alerts/alerts.service';
import { DevicesService } from '../devices/devices.service';
import { AgentCheckDelivery } from './agent-check-delivery.service';
import type { AgentCheckEntity } from './agent-check.entity';
import { agentCheckSubject } from './check-targets';

/**
 * Takes the agents' check results: keeps each (check, device)'s last state and feeds the
 * alerts service, whose flap protection, maintenance-window mute and notifications then
 * apply as to any other check. A result for a check the device should not run (deleted,
 * disabled, retargeted) is dropped. Each device's frame is handled on its own: one device's
 * bad report never holds up another's.
 */
@Injectable()
export class AgentCheckResults implements OnApplicationBootstrap {
  private readonly logger = new Logger(AgentCheckResults.name);
  /** Frames of one device are applied in order, never two at once. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gateway: AgentGatewayService,
    private readonly delivery: AgentCheckDelivery,
    private readonly devices: DevicesService,
    private readonly alerts: AlertsService,
  ) {}

  onApplicationBootstrap(): void {
    this.gateway.route('check_results', (deviceId, body) => {
      const next = (this.queues.get(deviceId) ?? Promise.resolve())
        .then(async () => {
          await this.receive(deviceId, body);
        })
        .catch((e: unknown) =>
          this.logger.error(`check results of ${deviceId} not stored: ${(e as Error).message}`),
        );
      this.queues.set(deviceId, next);
      void next.finally(() => {
        if (this.queues.get(deviceId) === next) this.queues.delete(deviceId);
      });
    });
  }

  /** Applies one frame; returns how many results were taken. */
  async receive(deviceId: string, body: CheckResultsBody): Promise<number> {
    const checks = new Map((await this.delivery.checksFor(deviceId)).map((c) => [c.id, c]));
    // The latest result of each check in the frame.
    const latest = new Map<string, CheckResultItem>();
    for (const r of body.results) {
      const prev = latest.get(r.checkId);
      if (checks.has(r.checkId) && (!prev || prev.at <= r.at)) latest.set(r.checkId, r);
    }
    const results = [...latest.values()];
    if (results.length === 0) return 0;
    const ids = results.map((r) => r.checkId);
    const before = new Map(
      (
        await this.dataSource.query<{ check_id: string; status: AgentCheckStatus }[]>(
          `SELECT check_id, status FROM agent_check_state
           WHERE device_id = $1 AND check_id = ANY($2::uuid[])`,
          [deviceId, ids],
        )
      ).map((r) => [r.check_id, r.status]),
    );
    // An older result (re-sent after a reconnect) never overwrites a newer one.
    const applied = await this.dataSource.query<{ check_id: string }[]>(
      `INSERT INTO agent_check_state AS s (check_id, device_id, status, message, value, at)
       SELECT u.check_id, $1, u.status, u.message, u.value, to_timestamp(u.at / 1000.0)
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::float8[], $6::float8[])
         AS u(check_id, status, message, value, at)
       ON CONFLICT (check_id, device_id) DO UPDATE SET status = EXCLUDED.status,
         message = EXCLUDED.message, value = EXCLUDED.value, at = EXCLUDED.at, updated_at = now()
       WHERE EXCLUDED.at >= s.at RETURNING check_id`,
      [
        deviceId,
        ids,
        results.map((r) => r.status),
        results.map((r) => r.message),
        results.map((r) => r.value ?? null),
        results.map((r) => r.at),
      ],
    );
    // ok after ok changes nothing the alerts service counts: skipped, so a fleet of healthy
    // devices summarising costs one upsert per frame and no alert transaction.
    // A stale result (older than the stored one) is not observed either: it would reset
    // the flap counters with news from the past.
    const fresh = new Set(applied.map((r) => r.check_id));
    const observed = results.filter(
      (r) => fresh.has(r.checkId) && !(r.status === 'ok' && before.get(r.checkId) === 'ok'),
    );
    if (observed.length === 0) return results.length;
    const f = (await this.devices.facetsOf([deviceId])).get(deviceId);
    for (const r of observed) {
      const c = checks.get(r.checkId) as AgentCheckEntity;
      const name = f?.name ?? deviceId;
      try {
        await this.alerts.observe({
          source: 'agent_check',
          subject: agentCheckSubject(c.id, deviceId),
          checkId: c.id,
          deviceId,
          ok: r.status === 'ok',
          severity: r.status === 'critical' ? c.severity : 'warning',
          title: `${c.name} on ${name}`,
          message: r.message || r.status,
          failThreshold: c.failThreshold,
          successThreshold: c.successThreshold,
          groupId: f?.groupId ?? null,
          tags: f?.tags ?? [],
        });
      } catch (e) {
        this.logger.error(`alert for ${c.id} on ${deviceId} not written: ${(e as Error).message}`);
      }
    }
    return results.length;
  }
}
