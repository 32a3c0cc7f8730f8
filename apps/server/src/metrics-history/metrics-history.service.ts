import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  autoResolution,
  type DeviceMetricsResponse,
  MAX_METRIC_POINTS,
  METRICS_RESOLUTION_MS,
  type MetricsResolution,
} from '@fleetdesk/api-types';
import { DataSource } from 'typeorm';
import { Periodic } from '../common/periodic';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DeviceEvents } from '../devices/device-events';
import { type BucketTotals, bucketOf, merge, sampleOf } from './metric-sample';
import { MetricsRangeInvalidException } from './metrics-history.exceptions';
import { MINUTE_UPSERT_SQL, QUARTER_ROLLUP_SQL, seriesSql } from './metrics-sql';

const MINUTE = 60_000;
/** A minute is written once it has closed; late heartbeats of it merge into the same row. */
const FLUSH_EVERY_MS = 5_000;
/** Rows per INSERT: 8 parameters each, well under PostgreSQL's 65,535. */
const WRITE_BATCH = 4_000;
/** Minutes written after their quarter closed (a slow flush elsewhere) still make the roll-up. */
const ROLLUP_GRACE_MS = 2 * MINUTE;
const PRUNE_EVERY_MS = 15 * MINUTE;

const TABLE = {
  '1m': 'device_metric_1m',
  '15m': 'device_metric_15m',
} as const satisfies { readonly [R in MetricsResolution]: string };

interface PointRow {
  bucket: Date;
  samples: number;
  cpu_sum: number;
  cpu_max: number;
  mem_sum: number;
  mem_max: number;
  disk_max: number | null;
  load_sum: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Heartbeat metrics history. Each process folds the heartbeats it receives into per-device
 * minute totals in memory and writes each closed minute once (one row per device per minute,
 * batched), adding to any row another process wrote for the same minute. A roll-up turns
 * closed quarters of minute rows into 15-minute rows; each quarter is claimed in the database
 * (one UPDATE moves `metric_rollup.rolled_until` forward inside the roll-up's transaction), so
 * any number of processes roll up each quarter once. Old buckets are pruned past retention.
 */
@Injectable()
export class MetricsHistoryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MetricsHistoryService.name);
  /** `${bucketMs}|${deviceId}` → totals not written yet. */
  private pending = new Map<string, BucketTotals>();
  private readonly flushLoop: Periodic;
  private readonly rollupLoop: Periodic;
  private off?: () => void;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DeviceEvents,
  ) {
    this.flushLoop = new Periodic('MetricsFlush', FLUSH_EVERY_MS, () => this.flush());
    this.rollupLoop = new Periodic('MetricsRollup', config.monitorTickMs && 10_000, () =>
      this.rollup(),
    );
  }

  onApplicationBootstrap(): void {
    this.off = this.events.on('metrics', (e) =>
      this.record(e.deviceId, e.metrics, Date.parse(e.at)),
    );
    this.flushLoop.start();
    this.rollupLoop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.off?.();
    await this.flushLoop.stop();
    await this.rollupLoop.stop();
    // The minute under way too: its rest, heard by another process, adds to the same row.
    await this.flush(Number.POSITIVE_INFINITY);
  }

  record(deviceId: string, metrics: Parameters<typeof sampleOf>[0], atMs: number): void {
    const key = `${bucketOf(atMs, MINUTE)}|${deviceId}`;
    const s = sampleOf(metrics);
    const prev = this.pending.get(key);
    this.pending.set(key, prev ? merge(prev, s) : s);
  }

  /** Writes the minutes closed before `before` (default: the current minute's start). */
  async flush(before = bucketOf(Date.now(), MINUTE)): Promise<number> {
    const due: [string, BucketTotals][] = [];
    for (const [key, t] of this.pending) {
      if (Number(key.slice(0, key.indexOf('|'))) < before) {
        due.push([key, t]);
        this.pending.delete(key);
      }
    }
    for (let i = 0; i < due.length; i += WRITE_BATCH) {
      const batch = due.slice(i, i + WRITE_BATCH);
      try {
        await this.write(batch);
      } catch (e) {
        // One batch the database refused (a device deleted meanwhile cannot cause it: no
        // foreign key) is logged and dropped; the other batches and minutes still go in.
        this.logger.error(`${batch.length} metric minute(s) not written: ${(e as Error).message}`);
      }
    }
    return due.length;
  }

  private write(batch: [string, BucketTotals][]) {
    const col = <K extends keyof BucketTotals>(k: K) => batch.map(([, t]) => t[k]);
    return this.dataSource.query(MINUTE_UPSERT_SQL, [
      batch.map(([k]) => k.slice(k.indexOf('|') + 1)),
      batch.map(([k]) => Number(k.slice(0, k.indexOf('|')))),
      col('samples'),
      col('cpuSum'),
      col('cpuMax'),
      col('memSum'),
      col('memMax'),
      col('diskMax'),
      col('loadSum'),
    ]);
  }

  /**
   * Rolls up every closed quarter not rolled up yet, one transaction each: the claim (moving
   * `rolled_until` forward) commits with the quarter's rows or not at all. Then prunes.
   */
  async rollup(): Promise<number> {
    let quarters = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (m) => {
        const [rows] = await m.query<[{ start: Date }[], number]>(
          `UPDATE metric_rollup SET rolled_until = rolled_until + interval '15 minutes'
           WHERE name = '15m' AND rolled_until + interval '15 minutes' <= now() - $1::int * interval '1 millisecond'
           RETURNING rolled_until - interval '15 minutes' AS start`,
          [ROLLUP_GRACE_MS],
        );
        if (rows.length === 0) return false;
        // Recomputed from the minutes, so a quarter rolled again (restored backup) is the same.
        await m.query(QUARTER_ROLLUP_SQL, [rows[0].start]);
        return true;
      });
      if (!done) break;
      quarters += 1;
    }
    await this.prune();
    if (quarters > 0) await this.vacuumQuarters();
    return quarters;
  }

  /**
   * Marks the quarters' pages all-visible, so the month chart stays an index-only scan (its
   * key carries the values) instead of checking each row on its heap page. Only the pages
   * changed since the last run are visited: a few hundred after a roll-up. The embedded engine
   * has no autovacuum, and PostgreSQL's waits for a fifth of the table to be new.
   */
  private async vacuumQuarters(): Promise<void> {
    try {
      await this.dataSource.query(`VACUUM device_metric_15m`);
    } catch (e) {
      this.logger.warn(`device_metric_15m not vacuumed: ${(e as Error).message}`);
    }
  }

  /** Deletes buckets past retention, at most every PRUNE_EVERY_MS cluster-wide (claimed). */
  async prune(force = false): Promise<void> {
    const [claimed] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE metric_rollup SET pruned_at = now()
       WHERE name = '15m' AND (pruned_at <= now() - $1::int * interval '1 millisecond' OR $2)
       RETURNING name`,
      [PRUNE_EVERY_MS, force],
    );
    if (claimed.length === 0) return;
    const { minuteMs, fifteenMinuteMs } = this.config.metricsRetention;
    await this.dataSource.query(
      `DELETE FROM device_metric_1m WHERE bucket < now() - $1::bigint * interval '1 millisecond'`,
      [minuteMs],
    );
    await this.dataSource.query(
      `DELETE FROM device_metric_15m WHERE bucket < now() - $1::bigint * interval '1 millisecond'`,
      [fifteenMinuteMs],
    );
  }

  /** A device's series over [from, to) at one resolution (auto: the finest that holds it). */
  async series(
    deviceId: string,
    q: { from?: string; to?: string; resolution?: MetricsResolution },
  ): Promise<DeviceMetricsResponse> {
    const now = Date.now();
    const to = q.to ? Date.parse(q.to) : now;
    const from = q.from ? Date.parse(q.from) : to - 86_400_000;
    if (!(from < to)) throw new MetricsRangeInvalidException('from must be before to');
    const resolution =
      q.resolution ?? autoResolution(from, to, this.config.metricsRetention.minuteMs, now);
    if ((to - from) / METRICS_RESOLUTION_MS[resolution] > MAX_METRIC_POINTS)
      throw new MetricsRangeInvalidException(
        `the range holds more than ${MAX_METRIC_POINTS} ${resolution} points; ask for 15m or a shorter range`,
      );
    const rows = await this.dataSource.query<PointRow[]>(seriesSql(TABLE[resolution]), [
      deviceId,
      new Date(from),
      new Date(to),
    ]);
    // The minutes not written yet (this process heard them): the chart reaches "now".
    const points = rows.map((r) => ({
      at: new Date(r.bucket).toISOString(),
      samples: r.samples,
      cpuAvg: round(r.cpu_sum / r.samples),
      cpuMax: round(r.cpu_max),
      memAvg: round(r.mem_sum / r.samples),
      memMax: round(r.mem_max),
      diskMax: r.disk_max === null ? null : round(r.disk_max),
      loadAvg: round(r.load_sum / r.samples),
    }));
    if (resolution === '1m') {
      for (const [key, t] of this.pending) {
        const sep = key.indexOf('|');
        const b = Number(key.slice(0, sep));
        if (key.slice(sep + 1) !== deviceId || b < from || b >= to) continue;
        if (points.some((p) => Date.parse(p.at) === b)) continue;
        points.push({
          at: new Date(b).toISOString(),
          samples: t.samples,
          cpuAvg: round(t.cpuSum / t.samples),
          cpuMax: round(t.cpuMax),
          memAvg: round(t.memSum / t.samples),
          memMax: round(t.memMax),
          diskMax: t.diskMax === null ? null : round(t.diskMax),
          loadAvg: round(t.loadSum / t.samples),
        });
      }
      points.sort((a, b) => a.at.localeCompare(b.at));
    }
    return {
      deviceId,
      resolution,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      points,
    };
  }
}
