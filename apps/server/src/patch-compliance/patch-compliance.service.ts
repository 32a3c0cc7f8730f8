import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  DevicePatchStatus,
  PackageManager,
  PatchCompliancePage,
  PatchComplianceRow,
  PendingUpdate,
  UpdatesReport,
} from '@fleetdesk/api-types';
import { DataSource } from 'typeorm';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { DevicesService } from '../devices/devices.service';
import type { PatchComplianceQueryDto } from './dto/patch-compliance.dto';

interface RawRow {
  device_id: string;
  name: string;
  hostname: string;
  status: PatchComplianceRow['status'];
  os_platform: string | null;
  security_count: number | null;
  other_count: number | null;
  reboot_required: boolean | null;
  last_update_run_at: Date | null;
  reported_at: Date | null;
  total: number;
}

/** What a finished update run tells: when, whether it worked, and reboot-required after it. */
export interface UpdateRunOutcome {
  deviceId: string;
  finishedAt: Date;
  succeeded: boolean;
  /** Unknown when the run could not tell; the stored value is then kept. */
  rebootRequired?: boolean;
}

const toRow = (r: RawRow): PatchComplianceRow => ({
  deviceId: r.device_id,
  name: r.name,
  hostname: r.hostname,
  status: r.status,
  osPlatform: r.os_platform,
  securityCount: r.security_count,
  otherCount: r.other_count,
  rebootRequired: r.reboot_required,
  lastUpdateRunAt: r.last_update_run_at?.toISOString() ?? null,
  reportedAt: r.reported_at?.toISOString() ?? null,
});

const ROW_COLUMNS = `d.id AS device_id, coalesce(d.name, d.hostname) AS name, d.hostname, d.status,
  d.os_platform, p.security_count, p.other_count, p.reboot_required, p.last_update_run_at,
  p.reported_at`;

/**
 * Pending updates per device (from each inventory), and the fleet sorted by exposure. Refreshed
 * whenever a device sends inventory; a deployment that finishes an update run reports its
 * outcome through recordUpdateRun().
 */
@Injectable()
export class PatchComplianceService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly telemetry: DeviceTelemetryService,
    private readonly devices: DevicesService,
  ) {}

  onModuleInit(): void {
    this.telemetry.onInventory(async (deviceId, inventory) => {
      if (inventory.updates) await this.store(deviceId, inventory.updates, inventory.collectedAt);
    });
  }

  /**
   * Keeps a device's report. Reports are ordered by when the agent collected them, so one that
   * arrives late (a re-sent frame, another server node) never overwrites a newer one.
   */
  async store(deviceId: string, report: UpdatesReport, collectedAt: number): Promise<void> {
    const security = report.pending.filter((u) => u.security === true).length;
    await this.dataSource.query(
      `INSERT INTO device_patch_status AS p (device_id, managers, pending, security_count,
         other_count, reboot_required, reported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (device_id) DO UPDATE SET managers = EXCLUDED.managers,
         pending = EXCLUDED.pending, security_count = EXCLUDED.security_count,
         other_count = EXCLUDED.other_count, reboot_required = EXCLUDED.reboot_required,
         reported_at = EXCLUDED.reported_at
       WHERE p.reported_at IS NULL OR p.reported_at <= EXCLUDED.reported_at`,
      [
        deviceId,
        report.managers,
        JSON.stringify(report.pending),
        security,
        report.pending.length - security,
        report.rebootRequired ?? null,
        new Date(collectedAt),
      ],
    );
  }

  /**
   * For the software deployment action: call when a run that changes packages (apply updates,
   * install, upgrade) ends. A success is the device's "last successful update run"; the pending
   * list itself is refreshed by the inventory the agent sends next.
   */
  async recordUpdateRun(outcome: UpdateRunOutcome): Promise<void> {
    await this.recordUpdateRuns([outcome]);
  }

  /**
   * Many runs in one statement (a deployment's results arrive in batches). Runs of the same
   * device are folded first (one row may change once per statement): the latest success, and
   * the reboot state of the latest run that could tell. A device deleted meanwhile is skipped.
   */
  async recordUpdateRuns(outcomes: readonly UpdateRunOutcome[]): Promise<void> {
    const byDevice = new Map<
      string,
      { success: number | null; reboot: [number, boolean] | null }
    >();
    for (const o of outcomes) {
      const at = o.finishedAt.getTime();
      const d = byDevice.get(o.deviceId) ?? { success: null, reboot: null };
      if (o.succeeded && (d.success === null || at > d.success)) d.success = at;
      if (o.rebootRequired !== undefined && (d.reboot === null || at >= d.reboot[0]))
        d.reboot = [at, o.rebootRequired];
      byDevice.set(o.deviceId, d);
    }
    if (byDevice.size === 0) return;
    const rows = [...byDevice].map(([id, d]) => ({
      device_id: id,
      success: d.success,
      reboot: d.reboot?.[1] ?? null,
    }));
    await this.dataSource.query(
      `INSERT INTO device_patch_status AS p (device_id, reboot_required, last_update_run_at)
       SELECT v.device_id, v.reboot, to_timestamp(v.success / 1000.0)
       FROM json_to_recordset($1::json) AS v(device_id uuid, success float8, reboot boolean)
       JOIN device d ON d.id = v.device_id
       ON CONFLICT (device_id) DO UPDATE SET
         reboot_required = coalesce(EXCLUDED.reboot_required, p.reboot_required),
         last_update_run_at = greatest(p.last_update_run_at, EXCLUDED.last_update_run_at)`,
      [JSON.stringify(rows)],
    );
  }

  async fleet(q: PatchComplianceQueryDto): Promise<PatchCompliancePage> {
    const params: unknown[] = [];
    const where = ['d.revoked_at IS NULL'];
    if (q.os) {
      params.push(q.os);
      where.push(`d.os_platform = $${params.length}`);
    }
    const filtered = [...where];
    if (q.pendingOnly) filtered.push('(p.security_count > 0 OR p.other_count > 0)');
    const rows = await this.dataSource.query<RawRow[]>(
      `SELECT ${ROW_COLUMNS}, count(*) OVER ()::int AS total
       FROM device d LEFT JOIN device_patch_status p ON p.device_id = d.id
       WHERE ${filtered.join(' AND ')}
       ORDER BY p.security_count DESC NULLS LAST, p.other_count DESC NULLS LAST,
         lower(coalesce(d.name, d.hostname)), d.id
       LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
      params,
    );
    const [summary] = await this.dataSource.query<PatchCompliancePage['summary'][]>(
      `SELECT count(p.reported_at)::int AS "reporting",
         count(*) FILTER (WHERE p.security_count > 0)::int AS "withSecurity",
         count(*) FILTER (WHERE p.security_count > 0 OR p.other_count > 0)::int AS "withPending",
         count(*) FILTER (WHERE p.reboot_required)::int AS "rebootRequired"
       FROM device d LEFT JOIN device_patch_status p ON p.device_id = d.id
       WHERE ${where.join(' AND ')}`,
      params,
    );
    let total = rows[0]?.total ?? 0;
    if (rows.length === 0 && q.page > 1) {
      const [n] = await this.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM device d LEFT JOIN device_patch_status p ON p.device_id = d.id
         WHERE ${filtered.join(' AND ')}`,
        params,
      );
      total = n?.n ?? 0;
    }
    return {
      items: rows.map(toRow),
      total,
      page: q.page,
      pageSize: q.pageSize,
      summary: summary ?? { reporting: 0, withSecurity: 0, withPending: 0, rebootRequired: 0 },
    };
  }

  async device(id: string): Promise<DevicePatchStatus> {
    await this.devices.get(id); // DEVICE_NOT_FOUND, as every device route answers
    const [row] = await this.dataSource.query<
      (RawRow & { managers: PackageManager[] | null; pending: PendingUpdate[] | null })[]
    >(
      `SELECT ${ROW_COLUMNS}, p.managers, p.pending, 1 AS total
       FROM device d LEFT JOIN device_patch_status p ON p.device_id = d.id WHERE d.id = $1`,
      [id],
    );
    if (!row) return this.device(id); // deleted between the two reads: answer as "not found"
    const pending = [...(row.pending ?? [])].sort(
      (a, b) =>
        Number(b.security === true) - Number(a.security === true) ||
        (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
    return { ...toRow(row), managers: row.managers ?? [], pending };
  }
}
