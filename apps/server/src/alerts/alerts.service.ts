import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  ALERT_SEVERITIES,
  type AcknowledgeAlertsResponse,
  type AlertResponse,
  type AlertSeverity,
  type AlertSource,
  type AlertSummaryResponse,
  type DeviceAlertCount,
  type Page,
  type ResolveAlertsResponse,
} from '@fleetdesk/api-types';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { AlertEvents } from './alert-events';
import { AlertMuteHook } from './alert-mute.hook';
import { alertStep } from './alert-rules';
import { AlertEntity, toAlertResponse } from './alert.entity';
import { AlertNotFoundException } from './alerts.exceptions';
import type { AlertQueryDto } from './dto/alert.dto';

/** One result about one subject (a website check, a device's presence), from any process. */
export interface Observation {
  source: AlertSource;
  /** Stable key of what is watched, e.g. `website_check:<id>`; one open alert per subject. */
  subject: string;
  checkId?: string | null;
  deviceId?: string | null;
  ok: boolean;
  /** The severity the alert fires (or is raised to) with when this observation failed. */
  severity: AlertSeverity;
  title: string;
  message: string;
  failThreshold: number;
  successThreshold: number;
  groupId?: string | null;
  tags?: string[];
}

export type ObservationResult = 'fired' | 'resolved' | 'updated' | 'none';

/** An alert change as notifications route and render it: the alert as it was then. */
export interface AlertNotice {
  eventId: string;
  event: 'fired' | 'resolved';
  at: string;
  alert: AlertResponse;
  groupId: string | null;
  tags: string[];
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * Alerts: one per (check, device or site) subject at a time, fired and resolved from
 * observations with flap protection, and acknowledged by technicians. Every change that
 * notifies is written as an `alert_event` in the same transaction, which notifications
 * claims and routes (claimNotices), so no change is lost between processes or restarts.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly mute: AlertMuteHook,
    private readonly events: AlertEvents,
  ) {}

  /** Consoles hear of a change once it is committed; a listener's failure is not ours. */
  private changed(rows: { id: string | null; device_id?: string | null }[]): void {
    if (rows.length === 0) return;
    const deviceIds = [...new Set(rows.flatMap((r) => (r.device_id ? [r.device_id] : [])))];
    // A bulk change of hundreds is one refetch, not a list nobody reads.
    const alertIds = rows.length > 100 ? [] : rows.flatMap((r) => (r.id ? [r.id] : []));
    try {
      this.events.emit('changed', { alertIds, deviceIds });
    } catch (error) {
      this.logger.warn(`alerts.changed listener failed: ${String(error)}`);
    }
  }

  /**
   * Records one observation. The subject's counter row is locked for the transaction, so
   * concurrent observations of one subject (two processes) are applied one after the other;
   * the partial unique index is the last guard against a second open alert.
   */
  async observe(o: Observation): Promise<ObservationResult> {
    const muted = o.ok
      ? false
      : await this.mute.isMuted(
          {
            deviceId: o.deviceId ?? null,
            checkId: o.checkId ?? null,
            groupId: o.groupId ?? null,
            tags: o.tags ?? [],
          },
          new Date(),
        );
    const result = await this.dataSource.transaction(async (m) => {
      const [c] = await m.query<{ failures: number; successes: number }[]>(
        `INSERT INTO monitor_subject AS s (subject, consecutive_failures, consecutive_successes)
         VALUES ($1, CASE WHEN $2 THEN 0 ELSE 1 END, CASE WHEN $2 THEN 1 ELSE 0 END)
         ON CONFLICT (subject) DO UPDATE SET
           consecutive_failures = CASE WHEN $2 THEN 0 ELSE s.consecutive_failures + 1 END,
           consecutive_successes = CASE WHEN $2 THEN s.consecutive_successes + 1 ELSE 0 END,
           updated_at = now()
         RETURNING consecutive_failures AS failures, consecutive_successes AS successes`,
        [o.subject, o.ok],
      );
      const [open] = await m.query<{ id: string; muted: boolean }[]>(
        `SELECT id, muted FROM alert WHERE subject = $1 AND state <> 'resolved'`,
        [o.subject],
      );
      const step = alertStep(
        c,
        o.ok,
        { fail: o.failThreshold, success: o.successThreshold },
        Boolean(open),
      );
      switch (step) {
        case 'fire':
          return (await this.fire(m, o, muted)) ? 'fired' : 'none';
        case 'resolve':
          await m.query(`UPDATE alert SET state = 'resolved', resolved_at = now() WHERE id = $1`, [
            open.id,
          ]);
          // An alert nobody heard of firing (muted) resolves quietly too.
          if (!open.muted) await this.event(m, open.id, 'resolved');
          return 'resolved';
        case 'update':
          await m.query(`UPDATE alert SET severity = $2, message = $3 WHERE id = $1`, [
            open.id,
            o.severity,
            clip(o.message, 2000),
          ]);
          return 'updated';
        case 'none':
          return 'none';
      }
    });
    // The alert's id is not at hand here; consoles refetch by device or wholesale.
    if (result === 'fired' || result === 'resolved')
      this.changed([{ id: null, device_id: o.deviceId }]);
    return result;
  }

  private async fire(m: EntityManager, o: Observation, muted: boolean): Promise<boolean> {
    const rows = await m.query<{ id: string }[]>(
      `INSERT INTO alert (source, subject, check_id, device_id, title, message, severity, state,
         muted, group_id, tags)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'firing', $8, $9, $10)
       ON CONFLICT (subject) WHERE state <> 'resolved' DO NOTHING RETURNING id`,
      [
        o.source,
        o.subject,
        o.checkId ?? null,
        o.deviceId ?? null,
        clip(o.title, 300),
        clip(o.message, 2000),
        o.severity,
        muted,
        o.groupId ?? null,
        o.tags ?? [],
      ],
    );
    if (rows.length === 0) return false;
    if (!muted) await this.event(m, rows[0].id, 'fired');
    return true;
  }

  private async event(m: EntityManager, alertId: string, kind: 'fired' | 'resolved') {
    await m.query(`INSERT INTO alert_event (alert_id, kind) VALUES ($1, $2)`, [alertId, kind]);
  }

  /** Resolves the open alert of a subject that is no longer watched (a deleted check). */
  async closeSubject(subject: string): Promise<void> {
    const closed = await this.dataSource.transaction(async (m) => {
      // UPDATE … RETURNING answers [rows, count] through TypeORM's postgres driver.
      const [rows] = await m.query<
        [{ id: string; muted: boolean; device_id: string | null }[], number]
      >(
        `UPDATE alert SET state = 'resolved', resolved_at = now()
         WHERE subject = $1 AND state <> 'resolved' RETURNING id, muted, device_id`,
        [subject],
      );
      for (const r of rows) if (!r.muted) await this.event(m, r.id, 'resolved');
      await m.query(`DELETE FROM monitor_subject WHERE subject = $1`, [subject]);
      return rows;
    });
    this.changed(closed);
  }

  /** Subjects of a check's open alerts (one per location it is watched from). */
  async openSubjectsOfCheck(
    checkId: string,
  ): Promise<{ subject: string; deviceId: string | null }[]> {
    const rows = await this.dataSource.query<{ subject: string; device_id: string | null }[]>(
      `SELECT subject, device_id FROM alert WHERE check_id = $1 AND state <> 'resolved'`,
      [checkId],
    );
    return rows.map((r) => ({ subject: r.subject, deviceId: r.device_id }));
  }

  /** Device ids with an open alert of this source. */
  async openDeviceAlerts(source: AlertSource): Promise<string[]> {
    const rows = await this.dataSource.query<{ device_id: string }[]>(
      `SELECT device_id FROM alert WHERE source = $1 AND state <> 'resolved' AND device_id IS NOT NULL`,
      [source],
    );
    return rows.map((r) => r.device_id);
  }

  /**
   * Claims up to `limit` alert changes not routed yet, inside the caller's transaction
   * (`FOR UPDATE SKIP LOCKED`: two processes never route one change), and marks them routed.
   * If the caller's transaction rolls back, they are claimed again later.
   */
  async claimNotices(m: EntityManager, limit: number): Promise<AlertNotice[]> {
    const rows = await m.query<
      { id: string; kind: 'fired' | 'resolved'; at: Date; alert_id: string }[]
    >(
      `SELECT id::text, kind, at, alert_id FROM alert_event WHERE routed_at IS NULL
       ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (rows.length === 0) return [];
    await m.query(`UPDATE alert_event SET routed_at = now() WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    const alerts = await m.findBy(AlertEntity, {
      id: In([...new Set(rows.map((r) => r.alert_id))]),
    });
    const byId = new Map(alerts.map((a) => [a.id, a]));
    return rows.flatMap((r) => {
      const a = byId.get(r.alert_id);
      return a
        ? [
            {
              eventId: r.id,
              event: r.kind,
              at: new Date(r.at).toISOString(),
              alert: toAlertResponse(a),
              groupId: a.groupId,
              tags: a.tags,
            },
          ]
        : [];
    });
  }

  async list(q: AlertQueryDto): Promise<Page<AlertResponse>> {
    const qb = this.dataSource.getRepository(AlertEntity).createQueryBuilder('a');
    if (q.state?.length) qb.andWhere('a.state IN (:...states)', { states: q.state });
    if (q.severity?.length)
      qb.andWhere('a.severity IN (:...severities)', { severities: q.severity });
    if (q.source) qb.andWhere('a.source = :source', { source: q.source });
    if (q.deviceId) qb.andWhere('a.device_id = :deviceId', { deviceId: q.deviceId });
    if (q.checkId) qb.andWhere('a.check_id = :checkId', { checkId: q.checkId });
    const [rows, total] = await qb
      .orderBy('a.fired_at', 'DESC')
      .addOrderBy('a.id', 'DESC')
      .skip((q.page - 1) * q.pageSize)
      .take(q.pageSize)
      .getManyAndCount();
    return { items: rows.map(toAlertResponse), total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<AlertResponse> {
    const a = await this.dataSource.getRepository(AlertEntity).findOneBy({ id });
    if (!a) throw new AlertNotFoundException(id);
    return toAlertResponse(a);
  }

  /**
   * Acknowledges the firing alerts among `ids`. Unknown ids are a 404 (nothing is changed);
   * ones already acknowledged or resolved are left as they are. One audit entry per request,
   * naming the alerts and their count: a bulk of 300 is one line in the log, not 300.
   */
  async acknowledge(actor: Actor, ids: string[]): Promise<AcknowledgeAlertsResponse> {
    const done = await this.bulk(actor, ids, 'alerts.acknowledge', (m, unique) =>
      m.query<[BulkRow[], number]>(
        `UPDATE alert SET state = 'acknowledged', acknowledged_at = now(), acknowledged_by = $2,
           acknowledged_by_email = $3
         WHERE id = ANY($1::uuid[]) AND state = 'firing' RETURNING id, title, subject, device_id`,
        [unique, actor.userId, actor.email],
      ),
    );
    return { acknowledged: done.map((a) => a.id) };
  }

  /**
   * Resolves the open alerts among `ids` by hand (the site moved, the device is retired).
   * Notified like a recovery. The subject's counters start again, so a condition still
   * failing fires a new alert only after its fail threshold, not on the next probe.
   */
  async resolve(actor: Actor, ids: string[]): Promise<ResolveAlertsResponse> {
    const done = await this.bulk(actor, ids, 'alerts.resolve', async (m, unique) => {
      const res = await m.query<[(BulkRow & { muted: boolean })[], number]>(
        `UPDATE alert SET state = 'resolved', resolved_at = now()
         WHERE id = ANY($1::uuid[]) AND state <> 'resolved'
         RETURNING id, title, subject, device_id, muted`,
        [unique],
      );
      const [rows] = res;
      for (const r of rows) if (!r.muted) await this.event(m, r.id, 'resolved');
      if (rows.length > 0)
        await m.query(`DELETE FROM monitor_subject WHERE subject = ANY($1::text[])`, [
          rows.map((r) => r.subject),
        ]);
      return res;
    });
    return { resolved: done.map((a) => a.id) };
  }

  private async bulk(
    actor: Actor,
    ids: string[],
    action: string,
    apply: (m: EntityManager, unique: string[]) => Promise<[BulkRow[], number]>,
  ): Promise<BulkRow[]> {
    const unique = [...new Set(ids)];
    const done = await this.dataSource.transaction(async (m) => {
      const found = await m.query<{ id: string }[]>(
        `SELECT id FROM alert WHERE id = ANY($1::uuid[])`,
        [unique],
      );
      const known = new Set(found.map((r) => r.id));
      const missing = unique.find((id) => !known.has(id));
      if (missing) throw new AlertNotFoundException(missing);
      const [rows] = await apply(m, unique);
      if (rows.length > 0)
        await this.audit.record(m, actor, {
          action,
          targetType: 'alert',
          // One alert: the entry links to it; several: the ids are in the details.
          targetId: rows.length === 1 ? rows[0].id : undefined,
          details: {
            count: rows.length,
            alerts: rows.map((a) => ({ id: a.id, title: a.title, subject: a.subject })),
          },
        });
      return rows;
    });
    if (done.length > 0) this.logger.log(`${action}: ${done.length} alert(s)`);
    this.changed(done);
    return done;
  }

  /** Open alerts by state and severity. */
  async summary(): Promise<AlertSummaryResponse> {
    const rows = await this.dataSource.query<
      { state: string; severity: AlertSeverity; n: number }[]
    >(
      `SELECT state, severity, count(*)::int AS n FROM alert WHERE state <> 'resolved'
       GROUP BY state, severity`,
    );
    const out: AlertSummaryResponse = {
      firing: 0,
      acknowledged: 0,
      bySeverity: Object.fromEntries(ALERT_SEVERITIES.map((s) => [s, 0])) as Record<
        AlertSeverity,
        number
      >,
    };
    for (const r of rows) {
      if (r.state === 'firing') out.firing += r.n;
      else out.acknowledged += r.n;
      if (r.severity in out.bySeverity) out.bySeverity[r.severity] += r.n;
    }
    return out;
  }

  /** Open alerts per device, for the devices on one page of a list. */
  async deviceCounts(deviceIds: string[]): Promise<DeviceAlertCount[]> {
    if (deviceIds.length === 0) return [];
    const rows = await this.dataSource.query<
      { device_id: string; severity: AlertSeverity; n: number }[]
    >(
      `SELECT device_id, severity, count(*)::int AS n FROM alert
       WHERE device_id = ANY($1::uuid[]) AND state <> 'resolved' GROUP BY device_id, severity`,
      [[...new Set(deviceIds)]],
    );
    const byDevice = new Map<string, DeviceAlertCount>();
    for (const r of rows) {
      const c = byDevice.get(r.device_id) ?? {
        deviceId: r.device_id,
        open: 0,
        severity: r.severity,
      };
      c.open += r.n;
      if (ALERT_SEVERITIES.indexOf(r.severity) > ALERT_SEVERITIES.indexOf(c.severity))
        c.severity = r.severity;
      byDevice.set(r.device_id, c);
    }
    return [...byDevice.values()];
  }
}

interface BulkRow {
  id: string;
  title: string;
  subject: string;
  device_id: string | null;
}
