import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { Periodic } from '../common/periodic';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { probe, type ProbeResult } from './probe';
import { WebsiteCheckEntity } from './website-check.entity';
import { websiteCheckSubject } from './website-checks.service';

/** Checks one process claims per pass; they are probed concurrently. */
const CLAIM_BATCH = 20;

interface ClaimedCheck {
  id: string;
  name: string;
  url: string;
  expected_status: number;
  latency_limit_ms: number | null;
  body_contains: string | null;
  body_not_contains: string | null;
  redirect_policy: WebsiteCheckEntity['redirectPolicy'];
  max_redirects: number;
  cert_warn_days: number;
  timeout_ms: number;
  fail_threshold: number;
  success_threshold: number;
  severity: WebsiteCheckEntity['severity'];
  tags: string[];
  run_from_device_ids: string[];
  run_from_group_ids: string[];
  run_from_tags: string[];
}

/**
 * Runs due website checks. Every server process runs this loop; a run is claimed by moving
 * the check's `next_run_at` one interval forward in the same statement that selects it
 * (`FOR UPDATE SKIP LOCKED`), so one check runs once per interval however many processes
 * there are. Each result is stored and fed to the alerts as an observation.
 */
@Injectable()
export class WebsiteCheckRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebsiteCheckRunner.name);
  private readonly loop: Periodic;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly alerts: AlertsService,
  ) {
    this.loop = new Periodic('WebsiteChecks', config.monitorTickMs, () => this.pass());
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Claims and runs what is due now; returns how many checks ran. */
  async pass(): Promise<number> {
    let ran = 0;
    for (;;) {
      const [claimed] = await this.dataSource.query<[ClaimedCheck[], number]>(
        `UPDATE website_check c SET next_run_at = now() + c.interval_seconds * interval '1 second'
         WHERE c.id IN (SELECT id FROM website_check WHERE enabled AND next_run_at <= now()
                        ORDER BY next_run_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING c.*`,
        [CLAIM_BATCH],
      );
      if (claimed.length === 0) return ran;
      await Promise.all(claimed.map((c) => this.run(c)));
      ran += claimed.length;
      if (claimed.length < CLAIM_BATCH) return ran;
    }
  }

  private async run(c: ClaimedCheck): Promise<void> {
    const result = await probe({
      url: c.url,
      expectedStatus: c.expected_status,
      latencyLimitMs: c.latency_limit_ms,
      bodyContains: c.body_contains,
      bodyNotContains: c.body_not_contains,
      redirectPolicy: c.redirect_policy,
      maxRedirects: c.max_redirects,
      certWarnDays: c.cert_warn_days,
      timeoutMs: c.timeout_ms,
    });
    // A check also seen from devices names its location, as each device's alert names its own.
    const from =
      c.run_from_device_ids.length + c.run_from_group_ids.length + c.run_from_tags.length > 0
        ? ' from the server'
        : '';
    try {
      await this.store(c, result);
      await this.alerts.observe({
        source: 'website_check',
        subject: websiteCheckSubject(c.id),
        checkId: c.id,
        ok: result.outcome === 'ok',
        severity: result.outcome === 'warning' ? 'warning' : c.severity,
        title: `${result.outcome === 'warning' ? 'Website warning' : 'Website down'}: ${c.name}${from}`,
        message: `${c.url}${from}: ${result.message ?? 'ok'}`,
        failThreshold: c.fail_threshold,
        successThreshold: c.success_threshold,
        tags: c.tags,
      });
    } catch (e) {
      // The check was deleted while it ran (its results cascade away), or the write failed:
      // this check's result is lost, the others' are not.
      this.logger.warn(`website check ${c.id} result not recorded: ${(e as Error).message}`);
    }
  }

  private async store(c: ClaimedCheck, r: ProbeResult): Promise<void> {
    await this.dataSource.query(
      `WITH r AS (
         INSERT INTO website_check_result (check_id, outcome, status_code, latency_ms, cert_expires_at, message)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING at)
       UPDATE website_check SET last_outcome = $2, last_checked_at = (SELECT at FROM r) WHERE id = $1`,
      [
        c.id,
        r.outcome,
        r.statusCode,
        r.latencyMs,
        r.certExpiresAt,
        r.message?.slice(0, 500) ?? null,
      ],
    );
  }
}
