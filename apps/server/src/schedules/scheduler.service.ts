import { randomInt } from 'node:crypto';
import { setTimeout as sleep, setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SCHEDULE_LIMITS } from '@fleetdesk/api-types';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/actor';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DevicesService } from '../devices/devices.service';
import { JobsService, type PreparedJob } from '../jobs/jobs.service';
import type { RunTiming } from '../jobs/run-store';
import { MaintenanceWindowsService } from '../maintenance-windows/maintenance-windows.service';
import { Clock } from './clock';
import { dueBetween } from './schedule-times';
import { nextDue, zoneSetKey, zonesOf } from './schedule-zones';
import { ScheduleTargetSources } from './schedule-target-sources';
import { ScheduleEntity } from './schedule.entity';

/** One occurrence to handle: fire it, or record it as skipped by the catch-up policy. */
interface Due {
  at: Date;
  zone: string;
  fire: boolean;
  reason?: string;
}

export interface TickResult {
  schedules: number;
  fired: number;
}

/** Work in one pass at most; the next tick (or the wake-up) takes the rest. */
const SCHEDULES_PER_TICK = 1_000;
/** The wake-up never sleeps longer than a tick, so a schedule edited elsewhere is seen. */
const MIN_WAKE_MS = 50;
/**
 * A schedule that fanned out into at least this many runs is followed by a pause as long as
 * its firing took (at most MAX_PAUSE_MS): inserting ten thousand runs loads the database for
 * a moment, and back to back, 200 of them starve the API's reads for minutes. Halving the
 * firing rate leaves the database idle half the time; small schedules are not slowed.
 */
const PAUSE_AFTER_RUNS = 1_000;
const MAX_PAUSE_MS = 2_000;

/**
 * Fires due schedule occurrences. Every server process runs this loop. A schedule is handled
 * under its row lock (`FOR UPDATE SKIP LOCKED`: two processes never work on the same one), and
 * each occurrence is claimed by inserting its unique key (schedule, time, zone) in the same
 * transaction that creates its job, so it fires exactly once however many processes run.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SchedulerService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickResult> | undefined;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    private readonly devices: DevicesService,
    private readonly windows: MaintenanceWindowsService,
    private readonly clock: Clock,
    private readonly targetSources: ScheduleTargetSources,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.schedulerTickMs > 0) this.arm(MIN_WAKE_MS);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), ms);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    try {
      await this.tick();
    } catch (e) {
      this.logger.error(`Scheduler pass failed: ${(e as Error).message}`, (e as Error).stack);
    }
    const tick = this.config.schedulerTickMs;
    const next = await this.nextWake().catch(() => null);
    const wait = next ? next.getTime() - this.clock.now().getTime() : tick;
    this.arm(Math.max(MIN_WAKE_MS, Math.min(tick, wait)));
  }

  private async nextWake(): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ at: Date | null }[]>(
      `SELECT min(next_due_at) AS at FROM schedule WHERE NOT paused`,
    );
    return row?.at ? new Date(row.at) : null;
  }

  /** One pass: every due schedule, each in its own transaction. Safe to call concurrently. */
  tick(): Promise<TickResult> {
    const pass = (this.running ?? Promise.resolve(null)).catch(() => null).then(() => this.pass());
    this.running = pass;
    return pass;
  }

  private async pass(): Promise<TickResult> {
    const now = this.clock.now();
    const deviceZones = await this.devices.knownTimeZones();
    const key = zoneSetKey(deviceZones);
    const result: TickResult = { schedules: 0, fired: 0 };
    const announced: string[] = [];
    const tried: string[] = [];
    for (let i = 0; i < SCHEDULES_PER_TICK && !this.stopped; i += 1) {
      // Between schedules, the API requests that queued meanwhile go first.
      if (i > 0) await yieldToEventLoop();
      const candidate = await this.nextCandidate(now, key, tried);
      if (!candidate) break;
      tried.push(candidate.id);
      let runs = 0;
      const started = Date.now();
      try {
        // Outside the transaction: it reads the script library (see JobsService.prepare).
        const prepared = await this.jobs.prepare(candidate.template);
        await this.dataSource.transaction(async (m) => {
          const s = await this.claimDue(m, now, key, candidate.id);
          // Taken by another process, or its template changed since: the next pass sees it.
          if (!s || JSON.stringify(s.template) !== JSON.stringify(candidate.template)) return;
          const fired = await this.handle(m, s, now, deviceZones, key, prepared);
          const jobIds = fired.jobIds;
          runs = fired.runs;
          announced.push(...jobIds);
          result.fired += jobIds.length;
          result.schedules += 1;
        });
      } catch (e) {
        // Rolled back: nothing of it to announce, nothing inserted to pause for.
        announced.length = 0;
        runs = 0;
        if (await this.recordFailure(candidate.id, now, key, deviceZones, e as Error))
          result.schedules += 1;
      }
      // Announced as each commits: a long pass must not hold back the first jobs' dispatch.
      for (const id of announced.splice(0)) this.jobs.announce(id);
      if (runs >= PAUSE_AFTER_RUNS && !this.stopped)
        await sleep(Math.min(MAX_PAUSE_MS, Date.now() - started));
    }
    return result;
  }

  /** The next due schedule not looked at in this pass, unlocked: a candidate to claim. */
  private async nextCandidate(
    now: Date,
    key: string,
    tried: string[],
  ): Promise<Pick<ScheduleEntity, 'id' | 'template'> | null> {
    const [row] = await this.dataSource.query<Pick<ScheduleEntity, 'id' | 'template'>[]>(
      `SELECT id, template FROM schedule
       WHERE NOT paused AND id <> ALL($3::uuid[]) AND (next_due_at <= $1
         OR (zone_mode = 'device' AND zone_set_key IS DISTINCT FROM $2))
       ORDER BY next_due_at NULLS FIRST, id LIMIT 1`,
      [now, key, tried],
    );
    return row ?? null;
  }

  /** A due schedule no other process is working on, locked for this transaction. */
  private async claimDue(
    m: EntityManager,
    now: Date,
    key: string,
    id: string | null = null,
  ): Promise<ScheduleEntity | null> {
    const [row] = await m.query<{ id: string }[]>(
      `SELECT id FROM schedule
       WHERE NOT paused AND ($3::uuid IS NULL OR id = $3) AND (next_due_at <= $1
         OR (zone_mode = 'device' AND zone_set_key IS DISTINCT FROM $2))
       ORDER BY next_due_at NULLS FIRST, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now, key, id],
    );
    return row ? m.findOneByOrFail(ScheduleEntity, { id: row.id }) : null;
  }

  /**
   * Handles the occurrences in (evaluated_until, now] and moves the watermark. Returns the
   * ids of the jobs created (to announce once committed) and how many runs they have.
   */
  private async handle(
    m: EntityManager,
    s: ScheduleEntity,
    now: Date,
    deviceZones: string[],
    key: string,
    prepared: PreparedJob,
  ): Promise<{ jobIds: string[]; runs: number }> {
    const zones = zonesOf(s, deviceZones);
    const due = this.dueOccurrences(s, zones, now);
    const jobIds: string[] = [];
    let runs = 0;
    if (due.length > 0) {
      const byZone = await this.devicesByZone(m, s);
      for (const d of due) {
        const deviceIds = byZone.get(d.zone) ?? [];
        // In device mode, a zone none of the target's devices is in has nothing to fire.
        if (s.zoneMode === 'device' && deviceIds.length === 0 && d.zone !== s.timeZone) continue;
        const jobId = await this.occur(m, s, d, deviceIds, prepared, now);
        if (jobId) {
          jobIds.push(jobId);
          runs += deviceIds.length;
        }
      }
    }
    const until = new Date(Math.max(now.getTime(), new Date(s.evaluatedUntil).getTime()));
    await m.update(
      ScheduleEntity,
      { id: s.id },
      {
        evaluatedUntil: until,
        nextDueAt: nextDue(s, zones, until),
        zoneSetKey: s.zoneMode === 'device' ? key : null,
      },
    );
    return { jobIds, runs };
  }

  private dueOccurrences(s: ScheduleEntity, zones: string[], now: Date): Due[] {
    const out: Due[] = [];
    const after = new Date(s.evaluatedUntil);
    if (now <= after) return out;
    for (const zone of zones) {
      const { onTime, latestMissed, missedCount } = dueBetween(s, zone, after, now);
      if (latestMissed) {
        const missed = `${missedCount} occurrence(s) missed while no server was running`;
        if (s.catchUp === 'once' && onTime.length === 0)
          out.push({ at: latestMissed, zone, fire: true, reason: `catch-up: ${missed}` });
        else
          out.push({
            at: latestMissed,
            zone,
            fire: false,
            reason:
              s.catchUp === 'skip'
                ? `skipped by the catch-up policy: ${missed}`
                : `covered by the on-time occurrence after it: ${missed}`,
          });
      }
      for (const at of onTime) out.push({ at, zone, fire: true });
    }
    return out;
  }

  /**
   * The target resolved now, plus the devices of the policies the schedule belongs to, split
   * by each device's zone (unknown zones: the fallback).
   */
  private async devicesByZone(m: EntityManager, s: ScheduleEntity): Promise<Map<string, string[]>> {
    let ids = await this.devices.resolveTarget(s.template.target, m);
    const extra = await this.targetSources.extraTargets(m, s.id);
    if (extra.length > 0 && !s.template.target.all) {
      const all = new Set(ids);
      for (const t of extra) for (const id of await this.devices.resolveTarget(t, m)) all.add(id);
      ids = [...all].sort();
    }
    const byZone = new Map<string, string[]>();
    const zoneOf =
      s.zoneMode === 'device' ? await this.devices.timeZonesOf(ids, m) : new Map<string, null>();
    for (const id of ids) {
      const zone = (s.zoneMode === 'device' && zoneOf.get(id)) || s.timeZone;
      // Appended in place: copying the list per device was quadratic, seconds of blocked
      // event loop for a schedule over ten thousand devices.
      const list = byZone.get(zone);
      if (list) list.push(id);
      else byZone.set(zone, [id]);
    }
    return byZone;
  }

  /** Claims one occurrence; creates its job when it is to fire. Returns the job id, if any. */
  private async occur(
    m: EntityManager,
    s: ScheduleEntity,
    d: Due,
    deviceIds: string[],
    prepared: PreparedJob,
    now: Date,
  ): Promise<string | null> {
    const fire = d.fire && deviceIds.length > 0;
    const reason = d.fire && !fire ? 'no device matched the target' : (d.reason ?? null);
    const claimed = await m.query<{ id: string }[]>(
      `INSERT INTO schedule_occurrence (schedule_id, occurrence_at, zone, status, devices, reason)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT ON CONSTRAINT "UQ_schedule_occurrence" DO NOTHING RETURNING id`,
      [s.id, d.at, d.zone, fire ? 'fired' : 'skipped', fire ? deviceIds.length : 0, reason],
    );
    if (claimed.length === 0) return null;
    let jobId: string | null = null;
    if (fire) {
      const template = {
        ...s.template,
        name: s.template.name ?? s.name.slice(0, 200),
        offlineExpirySeconds:
          s.offlinePolicy === 'skip'
            ? Math.min(s.template.offlineExpirySeconds, SCHEDULE_LIMITS.skipOfflineExpirySeconds)
            : s.template.offlineExpirySeconds,
      };
      jobId = await this.jobs.createForOccurrence(m, SYSTEM_ACTOR, template, prepared, {
        scheduleId: s.id,
        occurrenceAt: d.at,
        zone: d.zone,
        deviceIds,
        runTiming: await this.runTiming(m, s, deviceIds, now, template.offlineExpirySeconds),
      });
      await m.query(`UPDATE schedule_occurrence SET job_id = $2 WHERE id = $1`, [
        claimed[0].id,
        jobId,
      ]);
    }
    await this.audit.record(m, SYSTEM_ACTOR, {
      action: fire ? 'schedules.fire' : 'schedules.skip',
      targetType: 'schedule',
      targetId: s.id,
      details: {
        name: s.name,
        occurrenceAt: d.at.toISOString(),
        zone: d.zone,
        owner: { id: s.createdBy, email: s.createdByEmail },
        ...(jobId ? { jobId, runs: deviceIds.length } : {}),
        ...(reason ? { reason } : {}),
      },
    });
    return jobId;
  }

  /**
   * When each device's run may start and until when it waits, for a window-only schedule or
   * a spread one; undefined (the job's own expiry, at once) for the others.
   *
   * - `run_in_window`: the run waits for the device's window open at firing, or the next to
   *   open within the offline expiry, and expires when it closes; a device with no such
   *   window gets a run that expires at once, saying why.
   * - spread: a random delay of 0..spreadMinutes per device (inside the window for a
   *   window-only one), and the offline expiry counts from that delayed start.
   */
  private async runTiming(
    m: EntityManager,
    s: ScheduleEntity,
    deviceIds: string[],
    now: Date,
    offlineExpirySeconds: number,
  ): Promise<Map<string, RunTiming> | undefined> {
    const spreadMs = s.spreadMinutes * 60_000;
    if (s.offlinePolicy !== 'run_in_window' && spreadMs === 0) return undefined;
    const expiryMs = offlineExpirySeconds * 1000;
    const t0 = now.getTime();
    const delay = (upTo: number) => (upTo > 0 ? randomInt(0, upTo + 1) : 0);
    const out = new Map<string, RunTiming>();
    if (s.offlinePolicy !== 'run_in_window') {
      for (const id of deviceIds) {
        const start = t0 + delay(spreadMs);
        out.set(id, {
          notBefore: new Date(start),
          expiresAt: new Date(start + expiryMs),
          expiryReason: null,
        });
      }
      return out;
    }
    const openings = await this.windows.nextOpenings(deviceIds, now, new Date(t0 + expiryMs), m);
    for (const id of deviceIds) {
      const o = openings.get(id);
      if (!o) {
        out.set(id, {
          notBefore: null,
          expiresAt: now,
          expiryReason: `no maintenance window of this device is open or opens within the run's offline expiry (${offlineExpirySeconds} s); it never ran`,
        });
        continue;
      }
      const opens = Math.max(t0, o.from.getTime());
      const start = opens + delay(Math.min(spreadMs, o.until.getTime() - opens - 1));
      out.set(id, {
        notBefore: start > t0 ? new Date(start) : null,
        expiresAt: o.until,
        expiryReason: `the maintenance window "${o.name}" closed at ${o.until.toISOString()} before the run could start; it never ran`,
      });
    }
    return out;
  }

  /**
   * A schedule whose firing threw (its script was deleted, its parameters no longer fit):
   * its due occurrences are recorded as failed, with the reason, and the schedule moves on,
   * rather than failing again on every tick.
   */
  private async recordFailure(
    id: string,
    now: Date,
    key: string,
    deviceZones: string[],
    error: Error,
  ): Promise<string | null> {
    this.logger.warn(`A schedule failed to fire: ${error.message}`);
    return this.dataSource.transaction(async (m) => {
      const s = await this.claimDue(m, now, key, id);
      // Another process took it meanwhile; this pass moves on to the others.
      if (!s) return id;
      const zones = zonesOf(s, deviceZones);
      for (const d of this.dueOccurrences(s, zones, now).filter((x) => x.fire)) {
        const claimed = await m.query<{ id: string }[]>(
          `INSERT INTO schedule_occurrence (schedule_id, occurrence_at, zone, status, reason)
           VALUES ($1, $2, $3, 'failed', $4)
           ON CONFLICT ON CONSTRAINT "UQ_schedule_occurrence" DO NOTHING RETURNING id`,
          [s.id, d.at, d.zone, error.message.slice(0, 500)],
        );
        if (claimed.length > 0)
          await this.audit.record(m, SYSTEM_ACTOR, {
            action: 'schedules.fail',
            targetType: 'schedule',
            targetId: s.id,
            details: {
              name: s.name,
              occurrenceAt: d.at.toISOString(),
              zone: d.zone,
              error: error.message,
            },
          });
      }
      const until = new Date(Math.max(now.getTime(), new Date(s.evaluatedUntil).getTime()));
      await m.update(
        ScheduleEntity,
        { id: s.id },
        {
          evaluatedUntil: until,
          nextDueAt: nextDue(s, zones, until),
          zoneSetKey: s.zoneMode === 'device' ? key : null,
        },
      );
      return s.id;
    });
  }
}
