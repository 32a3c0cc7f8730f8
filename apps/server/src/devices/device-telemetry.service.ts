import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIanaTimeZone, type HeartbeatBody, type InventoryBody } from '@fleetdesk/protocol';
import { DataSource, EntityManager } from 'typeorm';
import { describeDbError, isDataFault, type RejectedRow, writeBatch } from '../common/batch-write';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DeviceEvents } from './device-events';
import { DeviceEntity } from './device.entity';

const FLUSH_EVERY_MS = 1000;
const SOFTWARE_BATCH = 1000;

/** The kinds of agent report that are written in batches, for logs and counters. */
export type ReportKind =
  'heartbeat' | 'inventory' | 'run_accepted' | 'run_rejected' | 'output' | 'result';

/** One report the database refused: whose, what, and the database's reason. */
export interface RejectedReport {
  deviceId: string;
  kind: ReportKind;
  error: unknown;
}

interface PendingHeartbeat {
  id: string;
  /** Null when the metrics themselves were refused: the device is still alive. */
  metrics: string | null;
  at: Date;
}

/**
 * A feature that keeps its own part of an inventory (patch compliance: pending updates) plugs
 * in here, so this module never imports it. Runs after the inventory is committed.
 */
export type InventoryListener = (deviceId: string, inventory: InventoryBody) => Promise<void>;

export interface DeviceIdentity {
  id: string;
  publicKey: string;
  revoked: boolean;
}

/**
 * What agents report: presence, heartbeats and inventory. Heartbeats are buffered and written
 * once a second in one UPDATE, so 10,000 agents cost a handful of statements, not 10,000.
 */
@Injectable()
export class DeviceTelemetryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeviceTelemetry');
  private readonly pending = new Map<string, { metrics: HeartbeatBody; at: Date }>();
  private flushTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly inventoryListeners: InventoryListener[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly events: DeviceEvents,
  ) {}

  get heartbeatIntervalMs(): number {
    return this.config.heartbeatIntervalMs;
  }

  /** A device is offline once it has been silent for 2.5 heartbeat intervals. */
  get offlineAfterMs(): number {
    return Math.round(this.config.heartbeatIntervalMs * 2.5);
  }

  onApplicationBootstrap(): void {
    this.flushTimer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    const sweepEvery = Math.max(
      250,
      Math.min(5000, Math.floor(this.config.heartbeatIntervalMs / 4)),
    );
    this.sweepTimer = setInterval(() => void this.sweep(), sweepEvery);
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.sweepTimer);
    await this.flush();
  }

  async findIdentity(id: string): Promise<DeviceIdentity | null> {
    const d = await this.dataSource
      .getRepository(DeviceEntity)
      .findOne({ where: { id }, select: { id: true, publicKey: true, revokedAt: true } });
    return d ? { id: d.id, publicKey: d.publicKey, revoked: d.revokedAt !== null } : null;
  }

  /** Several devices' identities in one query; the unknown ones are missing from the map. */
  async findIdentities(ids: string[]): Promise<Map<string, DeviceIdentity>> {
    const rows = await this.dataSource.query<
      { id: string; public_key: string; revoked: boolean }[]
    >(
      `SELECT "id", "public_key", "revoked_at" IS NOT NULL AS "revoked" FROM "device" WHERE "id" = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((r) => [r.id, { id: r.id, publicKey: r.public_key, revoked: r.revoked }]),
    );
  }

  async markOnline(id: string, ip: string | null, agentVersion: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE device SET status = 'online', last_seen_at = now(), last_ip = $2, agent_version = $3
       WHERE id = $1 AND revoked_at IS NULL`,
      [id, ip, agentVersion],
    );
    this.events.emit('status', { deviceId: id, status: 'online', at: new Date().toISOString() });
  }

  async markOffline(id: string): Promise<void> {
    this.pending.delete(id);
    await this.dataSource.query(
      `UPDATE device SET status = 'offline' WHERE id = $1 AND status = 'online'`,
      [id],
    );
    this.events.emit('status', { deviceId: id, status: 'offline', at: new Date().toISOString() });
  }

  async markManyOffline(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    for (const id of ids) this.pending.delete(id);
    await this.dataSource.query(
      `UPDATE device SET status = 'offline' WHERE id = ANY($1::uuid[]) AND status = 'online'`,
      [ids],
    );
  }

  recordHeartbeat(id: string, metrics: HeartbeatBody): void {
    const at = new Date();
    this.pending.set(id, { metrics, at });
    this.events.emit('metrics', { deviceId: id, metrics, at: at.toISOString() });
  }

  /**
   * Stores a device's inventory in one transaction. A software entry the database refuses is
   * dropped (and counted) rather than losing the whole list; anything else it refuses fails
   * this device's report alone, is counted, and is thrown to the caller.
   */
  onInventory(listener: InventoryListener): void {
    this.inventoryListeners.push(listener);
  }

  async saveInventory(id: string, inv: InventoryBody): Promise<void> {
    const { software, ...facts } = inv;
    // Pending updates belong to patch compliance (an inventory listener), not to the facts.
    const rest = { ...facts, updates: undefined };
    const ips = [...new Set(inv.network.flatMap((n) => [...n.ipv4, ...n.ipv6]))].slice(0, 64);
    const refused: RejectedRow<InventoryBody['software'][number]>[] = [];
    try {
      await this.dataSource.transaction(async (m) => {
        await m.query(
          `INSERT INTO device_inventory (device_id, collected_at, data) VALUES ($1, $2, $3)
           ON CONFLICT (device_id) DO UPDATE SET collected_at = EXCLUDED.collected_at,
             received_at = now(), data = EXCLUDED.data`,
          [id, new Date(inv.collectedAt), JSON.stringify(rest)],
        );
        await m.query(`DELETE FROM device_software WHERE device_id = $1`, [id]);
        for (let i = 0; i < software.length; i += SOFTWARE_BATCH) {
          await writeBatch(
            software.slice(i, i + SOFTWARE_BATCH),
            // A savepoint per attempt: a refused statement must not abort the transaction.
            (batch) =>
              withSavepoint(m, () =>
                m.query(
                  `INSERT INTO device_software (device_id, name, version, source)
                   SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`,
                  [
                    id,
                    batch.map((s) => s.name),
                    batch.map((s) => s.version),
                    batch.map((s) => s.source),
                  ],
                ),
              ),
            (rows) => void refused.push(...rows),
          );
        }
        await m.query(
          // An agent too old to report its zone keeps the one it may have had.
          `UPDATE device SET hostname = $2, os_platform = $3, os_distro = $4, os_release = $5, arch = $6,
             ip_addresses = $7, time_zone = COALESCE($8, time_zone) WHERE id = $1`,
          [
            id,
            inv.hostname,
            inv.os.platform,
            inv.os.distro,
            inv.os.release,
            inv.os.arch,
            ips,
            // The wire check is only the name's shape; a zone this server cannot evaluate
            // schedules in is not stored, and the rest of the inventory still is.
            inv.timeZone && isIanaTimeZone(inv.timeZone) ? inv.timeZone : null,
          ],
        );
      });
    } catch (error) {
      if (isDataFault(error))
        await this.recordRejected([{ deviceId: id, kind: 'inventory', error }]);
      throw error;
    }
    // Counted after the commit, so the counter never waits on this transaction's row lock.
    await this.recordRejected(
      refused.map(({ error }) => ({ deviceId: id, kind: 'inventory', error })),
    );
    for (const listener of this.inventoryListeners) {
      try {
        await listener(id, inv);
      } catch (error) {
        // What the database refuses of a listener's part is dropped and counted like any
        // refused report; anything else (database gone) goes up, so the agent re-sends.
        if (!isDataFault(error)) throw error;
        await this.recordRejected([{ deviceId: id, kind: 'inventory', error }]);
      }
    }
    this.events.emit('changed', { deviceId: id });
  }

  /**
   * Logs each report the database refused (device, kind, the database's reason; never the
   * values) and counts it against its device (`rejected_reports`, shown in the device API).
   * Never throws: it runs on paths that must go on writing the other devices' reports.
   */
  async recordRejected(reports: readonly RejectedReport[]): Promise<void> {
    if (reports.length === 0) return;
    const perDevice = new Map<string, number>();
    for (const { deviceId, kind, error } of reports) {
      perDevice.set(deviceId, (perDevice.get(deviceId) ?? 0) + 1);
      const db = describeDbError(error);
      this.logger.warn(
        { deviceId, report: kind, dbCode: db.code, dbError: db.message },
        `device ${deviceId}: the database refused its ${kind} report, which was dropped: ${db.message}`,
      );
    }
    try {
      await this.dataSource.query(
        `UPDATE device d SET rejected_reports = d.rejected_reports + v.n, last_rejected_at = now()
         FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::int[]) AS n) v WHERE d.id = v.id`,
        [[...perDevice.keys()], [...perDevice.values()]],
      );
    } catch (error) {
      this.logger.error(`could not count refused reports: ${describeDbError(error).message}`);
    }
  }

  /** Writes buffered heartbeats; runs are chained so two flushes never overlap. */
  flush(): Promise<void> {
    this.flushing = this.flushing
      .then(() => this.flushOnce())
      .catch((error: unknown) => {
        this.logger.error(`heartbeat flush failed: ${String(error)}`);
      });
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch: PendingHeartbeat[] = [...this.pending.entries()].map(([id, h]) => ({
      id,
      metrics: JSON.stringify(h.metrics),
      at: h.at,
    }));
    this.pending.clear();
    const alive: { id: string; revived: boolean }[] = [];
    const written = await writeBatch(
      batch,
      (items) => this.writeHeartbeats(items),
      async (refused) => {
        await this.recordRejected(
          refused.map(({ item, error }) => ({ deviceId: item.id, kind: 'heartbeat', error })),
        );
        // The device did talk to us: it stays online, only its metrics are not updated.
        const withoutMetrics = refused.map(({ item }) => ({ ...item, metrics: null }));
        alive.push(...(await this.writeHeartbeats(withoutMetrics)));
      },
    );
    const at = new Date().toISOString();
    for (const row of [...written, ...alive])
      if (row.revived) this.events.emit('status', { deviceId: row.id, status: 'online', at });
  }

  private async writeHeartbeats(
    items: readonly PendingHeartbeat[],
  ): Promise<{ id: string; revived: boolean }[]> {
    // A device the sweep had marked offline comes back online with its next heartbeat.
    const [rows] = await this.dataSource.query<[{ id: string; revived: boolean }[], number]>(
      `WITH was_offline AS (SELECT id FROM device WHERE id = ANY($1::uuid[]) AND status = 'offline')
       UPDATE device d SET metrics = coalesce(v.metrics, d.metrics),
         metrics_at = CASE WHEN v.metrics IS NULL THEN d.metrics_at ELSE v.at END,
         last_seen_at = v.at, status = 'online'
       FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::jsonb[]) AS metrics, unnest($3::timestamptz[]) AS at) v
       WHERE d.id = v.id AND d.revoked_at IS NULL
       RETURNING d.id, d.id IN (SELECT id FROM was_offline) AS revived`,
      [items.map((h) => h.id), items.map((h) => h.metrics), items.map((h) => h.at)],
    );
    return rows;
  }

  /** Cluster-wide truth: whatever node held the socket, silence past the limit means offline. */
  private async sweep(): Promise<void> {
    try {
      const rows = await this.dataSource.query<[{ id: string }[], number]>(
        `UPDATE device SET status = 'offline'
         WHERE status = 'online' AND (last_seen_at IS NULL OR last_seen_at < now() - $1::int * interval '1 millisecond')
         RETURNING id`,
        [this.offlineAfterMs],
      );
      const at = new Date().toISOString();
      for (const row of rows[0])
        this.events.emit('status', { deviceId: row.id, status: 'offline', at });
    } catch (error) {
      this.logger.error(`offline sweep failed: ${String(error)}`);
    }
  }
}

/** Runs `fn` under a savepoint of `m`'s transaction, rolled back to if `fn` fails. */
async function withSavepoint<T>(m: EntityManager, fn: () => Promise<T>): Promise<T> {
  await m.query('SAVEPOINT report_row');
  try {
    const result = await fn();
    await m.query('RELEASE SAVEPOINT report_row');
    return result;
  } catch (error) {
    await m.query('ROLLBACK TO SAVEPOINT report_row');
    throw error;
  }
}
