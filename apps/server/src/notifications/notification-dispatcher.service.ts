import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AlertsService, type AlertNotice } from '../alerts/alerts.service';
import { Periodic } from '../common/periodic';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SecretBox } from '../secrets/secret-box';
import { ChannelEntity, secretAad, urlAad } from './channel.entity';
import {
  linesOf,
  type Message,
  payloadFor,
  retryDelayMs,
  routes,
  signature,
  summaryOf,
} from './payloads';
import { postJson, type SendOutcome, sendMail } from './senders';
import { WEBHOOK_SIGNATURE_HEADER, WEBHOOK_TIMESTAMP_HEADER } from '@fleetdesk/api-types';

/** Alert changes routed per pass, events per message, deliveries sent at once. */
const ROUTE_BATCH = 500;
const EVENTS_PER_MESSAGE = 500;
const SEND_BATCH = 20;
/** A delivery whose sender died is taken up again after this. */
const LEASE_SECONDS = 120;
export const MAX_ATTEMPTS = 6;
export const RETRY_BASE_MS = 2_000;

export interface DeliveryRow {
  id: string;
  channel_id: string;
  test: boolean;
  events: AlertNotice[];
  attempts: number;
}

/**
 * Turns alert changes into messages and sends them. Every process runs the three steps; each
 * claims its work in the database, so any number of processes share it without doubles:
 *  1. route: claim alert changes (AlertsService.claimNotices) and queue each for the channels
 *     whose rule matches (`notification_pending`), in one transaction;
 *  2. gather: once a channel's oldest queued change is `digestSeconds` old, take everything
 *     queued for it (channel row locked) into one delivery: one change, or a digest;
 *  3. send: claim due deliveries (status + lease), send, store the attempt, and retry with
 *     exponential backoff until MAX_ATTEMPTS.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly loop: Periodic;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly alerts: AlertsService,
    private readonly box: SecretBox,
  ) {
    this.loop = new Periodic('Notifications', config.monitorTickMs, () => this.pass());
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  async pass(): Promise<void> {
    while ((await this.route()) === ROUTE_BATCH);
    await this.gather();
    while ((await this.sendDue()) === SEND_BATCH);
  }

  /** Step 1; returns how many alert changes it claimed. */
  private async route(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const notices = await this.alerts.claimNotices(m, ROUTE_BATCH);
      if (notices.length === 0) return 0;
      const channels = await m.findBy(ChannelEntity, { enabled: true });
      const channelIds: string[] = [];
      const eventIds: string[] = [];
      const snapshots: string[] = [];
      for (const n of notices)
        for (const c of channels)
          if (routes({ minSeverity: c.minSeverity, groupIds: c.groupIds, tags: c.tags }, n)) {
            channelIds.push(c.id);
            eventIds.push(n.eventId);
            snapshots.push(JSON.stringify(n));
          }
      if (channelIds.length > 0)
        await m.query(
          `INSERT INTO notification_pending (channel_id, alert_event_id, snapshot)
           SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::jsonb[])
           ON CONFLICT ON CONSTRAINT "UQ_notification_pending" DO NOTHING`,
          [channelIds, eventIds, snapshots],
        );
      return notices.length;
    });
  }

  /** Step 2. */
  private async gather(): Promise<void> {
    const ready = await this.dataSource.query<{ channel_id: string }[]>(
      `SELECT p.channel_id FROM notification_pending p
       JOIN notification_channel c ON c.id = p.channel_id
       GROUP BY p.channel_id, c.digest_seconds
       HAVING min(p.created_at) <= now() - c.digest_seconds * interval '1 second'`,
    );
    for (const { channel_id: channelId } of ready) {
      await this.dataSource.transaction(async (m) => {
        const [locked] = await m.query<{ name: string }[]>(
          `SELECT name FROM notification_channel WHERE id = $1 FOR UPDATE SKIP LOCKED`,
          [channelId],
        );
        if (!locked) return;
        const [taken] = await m.query<[{ snapshot: AlertNotice }[], number]>(
          `DELETE FROM notification_pending WHERE id IN (
             SELECT id FROM notification_pending WHERE channel_id = $1 ORDER BY id LIMIT $2)
           RETURNING snapshot`,
          [channelId, EVENTS_PER_MESSAGE],
        );
        if (taken.length === 0) return;
        const notices = taken
          .map((t) => t.snapshot)
          .sort((a, b) => Number(a.eventId) - Number(b.eventId));
        await m.query(
          `INSERT INTO notification_delivery (channel_id, events, event_count, summary, next_attempt_at)
           VALUES ($1, $2, $3, $4, now())`,
          [
            channelId,
            JSON.stringify(notices),
            notices.length,
            summaryOf({ test: false, notices, channelName: locked.name }).slice(0, 500),
          ],
        );
      });
    }
  }

  /** Step 3; returns how many deliveries it claimed. */
  private async sendDue(): Promise<number> {
    const [claimed] = await this.dataSource.query<[DeliveryRow[], number]>(
      `UPDATE notification_delivery d SET status = 'sending', attempts = d.attempts + 1,
         lease_until = now() + $2::int * interval '1 second'
       WHERE d.id IN (
         SELECT id FROM notification_delivery
         WHERE next_attempt_at <= now()
           AND (status = 'pending' OR (status = 'sending' AND lease_until < now()))
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING d.id, d.channel_id, d.test, d.events, d.attempts`,
      [SEND_BATCH, LEASE_SECONDS],
    );
    await Promise.all(claimed.map((d) => this.deliver(d)));
    return claimed.length;
  }

  /** Sends a delivery this process has claimed; a test delivery is tried once. */
  async deliver(d: DeliveryRow): Promise<void> {
    const started = Date.now();
    const channel = await this.dataSource
      .getRepository(ChannelEntity)
      .findOneBy({ id: d.channel_id });
    // Deleted meanwhile: its deliveries went with it (cascade).
    if (!channel) return;
    let outcome: SendOutcome;
    try {
      outcome = await this.send(channel, {
        deliveryId: d.id,
        channelName: channel.name,
        test: d.test,
        notices: d.events,
      });
    } catch (e) {
      outcome = { ok: false, code: null, error: (e as Error).message };
    }
    const finalFailure = !outcome.ok && (d.test || d.attempts >= MAX_ATTEMPTS);
    const next =
      outcome.ok || finalFailure
        ? null
        : new Date(Date.now() + retryDelayMs(d.attempts, RETRY_BASE_MS));
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO notification_attempt (delivery_id, ok, code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5)`,
        [
          d.id,
          outcome.ok,
          outcome.code,
          outcome.error?.slice(0, 1000) ?? null,
          Date.now() - started,
        ],
      );
      await m.query(
        `UPDATE notification_delivery SET status = $2::varchar, next_attempt_at = $3,
           lease_until = NULL,
           delivered_at = CASE WHEN $2::varchar = 'delivered' THEN now() ELSE NULL END
         WHERE id = $1`,
        [d.id, outcome.ok ? 'delivered' : finalFailure ? 'failed' : 'pending', next],
      );
    });
    if (!outcome.ok)
      this.logger.warn(
        `notification to channel ${channel.name} failed (attempt ${d.attempts}): ${outcome.error}`,
      );
  }

  private async send(c: ChannelEntity, msg: Message): Promise<SendOutcome> {
    if (c.kind === 'email') {
      if (!this.config.smtp)
        return { ok: false, code: null, error: 'SMTP_URL is not set: email cannot be sent' };
      return sendMail(this.config.smtp, c.emailTo, summaryOf(msg), linesOf(msg).join('\n'));
    }
    if (!c.urlSealed) return { ok: false, code: null, error: 'the channel has no URL' };
    const url = this.box.open(c.urlSealed, urlAad(c.id));
    const body = JSON.stringify(payloadFor(c.kind, msg));
    const headers: Record<string, string> = { 'x-fleetdesk-delivery': msg.deliveryId };
    if (c.signingSecretSealed) {
      const secret = this.box.open(c.signingSecretSealed, secretAad(c.id));
      const ts = String(Math.floor(Date.now() / 1000));
      headers[WEBHOOK_TIMESTAMP_HEADER] = ts;
      headers[WEBHOOK_SIGNATURE_HEADER] = signature(secret, ts, body);
    }
    return postJson(url, body, headers);
  }
}
