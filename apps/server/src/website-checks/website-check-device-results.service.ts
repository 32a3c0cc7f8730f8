import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { WebCheckResultItem, WebCheckResultsBody } from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { AlertsService } from '../alerts/alerts.service';
import { DevicesService } from '../devices/devices.service';
import { WebsiteCheckDelivery } from './website-check-delivery.service';
import { websiteCheckDeviceSubject } from './website-checks.service';

/**
 * Takes the website-check results agents send (protocol 6): each is stored beside the
 * server's own, with the device as its location, and fed to the alert of its (check, device)
 * subject, so flap protection, the device's maintenance windows and notifications apply and
 * the notification names the device the site failed from. A result for a check the device
 * does not run (deleted, disabled, no longer aimed at it) is dropped. One device's frames are
 * applied in order; one device's bad frame never holds up another's.
 */
@Injectable()
export class WebsiteCheckDeviceResults implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebsiteCheckDeviceResults.name);
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gateway: AgentGatewayService,
    private readonly delivery: WebsiteCheckDelivery,
    private readonly devices: DevicesService,
    private readonly alerts: AlertsService,
  ) {}

  onApplicationBootstrap(): void {
    this.gateway.route('web_check_results', (deviceId, body) => {
      const next = (this.queues.get(deviceId) ?? Promise.resolve())
        .then(async () => {
          await this.receive(deviceId, body);
        })
        .catch((e: unknown) =>
          this.logger.error(
            `website-check results of ${deviceId} not stored: ${(e as Error).message}`,
          ),
        );
      this.queues.set(deviceId, next);
      void next.finally(() => {
        if (this.queues.get(deviceId) === next) this.queues.delete(deviceId);
      });
    });
  }

  /** Stores and judges one frame; returns how many results were taken. */
  async receive(deviceId: string, body: WebCheckResultsBody): Promise<number> {
    const checks = await this.delivery.checksFor(deviceId);
    const results = body.results.filter((r) => checks.has(r.checkId)).sort((a, b) => a.at - b.at);
    if (results.length === 0) return 0;
    // The device's clock says when; a time ahead of the server's is taken as now, so a
    // skewed device cannot put results in the future of the chart.
    const stored = await this.dataSource.query<{ check_id: string }[]>(
      `WITH ins AS (
         INSERT INTO website_check_result
           (check_id, device_id, at, outcome, status_code, latency_ms, cert_expires_at, message)
         SELECT u.check_id, $1, LEAST(to_timestamp(u.at / 1000.0), now()), u.outcome, u.status_code,
                u.latency_ms, to_timestamp(u.cert / 1000.0), u.message
         FROM unnest($2::uuid[], $3::float8[], $4::text[], $5::int[], $6::int[], $7::float8[], $8::text[])
           AS u(check_id, at, outcome, status_code, latency_ms, cert, message)
         JOIN website_check c ON c.id = u.check_id AND c.enabled
         RETURNING check_id)
       SELECT DISTINCT check_id FROM ins`,
      [
        deviceId,
        results.map((r) => r.checkId),
        results.map((r) => r.at),
        results.map((r) => r.outcome),
        results.map((r) => r.statusCode ?? null),
        results.map((r) => r.latencyMs ?? null),
        results.map((r) => r.certExpiresAt ?? null),
        results.map((r) => r.message?.slice(0, 500) ?? null),
      ],
    );
    // Judged only for checks whose results were stored (a check deleted meanwhile is not).
    const kept = new Set(stored.map((r) => r.check_id));
    const f = (await this.devices.facetsOf([deviceId])).get(deviceId);
    const where = f?.name ?? deviceId;
    for (const r of results) {
      if (!kept.has(r.checkId)) continue;
      await this.judge(deviceId, where, r, checks, f?.groupId ?? null, f?.tags ?? []);
    }
    return results.filter((r) => kept.has(r.checkId)).length;
  }

  private async judge(
    deviceId: string,
    where: string,
    r: WebCheckResultItem,
    checks: Awaited<ReturnType<WebsiteCheckDelivery['checksFor']>>,
    groupId: string | null,
    deviceTags: string[],
  ): Promise<void> {
    const c = checks.get(r.checkId);
    if (!c) return;
    try {
      await this.alerts.observe({
        source: 'website_check',
        subject: websiteCheckDeviceSubject(c.id, deviceId),
        checkId: c.id,
        deviceId,
        ok: r.outcome === 'ok',
        severity: r.outcome === 'warning' ? 'warning' : c.severity,
        title: `${r.outcome === 'warning' ? 'Website warning' : 'Website down'}: ${c.name} from ${where}`,
        message: `${c.url} from ${where}: ${r.message ?? 'ok'}`,
        failThreshold: c.failThreshold,
        successThreshold: c.successThreshold,
        groupId,
        tags: [...new Set([...c.tags, ...deviceTags])],
      });
    } catch (e) {
      this.logger.error(
        `alert for website check ${c.id} from ${deviceId} not written: ${(e as Error).message}`,
      );
    }
  }
}
