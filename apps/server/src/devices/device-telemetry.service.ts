import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { HeartbeatBody, InventoryBody } from '@fleetdesk/protocol';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { DeviceEvents } from './device-events';
import { DeviceEntity } from './device.entity';

const FLUSH_EVERY_MS = 1000;
const SOFTWARE_BATCH = 1000;

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

  async saveInventory(id: string, inv: InventoryBody): Promise<void> {
    const { software, ...rest } = inv;
    const ips = [...new Set(inv.network.flatMap((n) => [...n.ipv4, ...n.ipv6]))].slice(0, 64);
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `INSERT INTO device_inventory (device_id, collected_at, data) VALUES ($1, $2, $3)
         ON CONFLICT (device_id) DO UPDATE SET collected_at = EXCLUDED.collected_at,
           received_at = now(), data = EXCLUDED.data`,
        [id, new Date(inv.collectedAt), JSON.stringify(rest)],
      );
      await m.query(`DELETE FROM device_software WHERE device_id = $1`, [id]);
      for (let i = 0; i < software.length; i += SOFTWARE_BATCH) {
        const batch = software.slice(i, i + SOFTWARE_BATCH);
        await m.query(
          `INSERT INTO device_software (device_id, name, version, source)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])`,
          [id, batch.map((s) => s.name), batch.map((s) => s.version), batch.map((s) => s.source)],
        );
      }
      await m.query(
        `UPDATE device SET hostname = $2, os_platform = $3, os_distro = $4, os_release = $5, arch = $6,
           ip_addresses = $7 WHERE id = $1`,
        [id, inv.hostname, inv.os.platform, inv.os.distro, inv.os.release, inv.os.arch, ips],
      );
    });
    this.events.emit('changed', { deviceId: id });
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
    const batch = [...this.pending.entries()];
    this.pending.clear();
    const ids = batch.map(([id]) => id);
    // A device the sweep had marked offline comes back online with its next heartbeat.
    const rows = await this.dataSource.query<[{ id: string; revived: boolean }[], number]>(
      `WITH was_offline AS (SELECT id FROM device WHERE id = ANY($1::uuid[]) AND status = 'offline')
       UPDATE device d SET metrics = v.metrics, metrics_at = v.at, last_seen_at = v.at, status = 'online'
       FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::jsonb[]) AS metrics, unnest($3::timestamptz[]) AS at) v
       WHERE d.id = v.id AND d.revoked_at IS NULL
       RETURNING d.id, d.id IN (SELECT id FROM was_offline) AS revived`,
      [ids, batch.map(([, h]) => JSON.stringify(h.metrics)), batch.map(([, h]) => h.at)],
    );
    const at = new Date().toISOString();
    for (const row of rows[0])
      if (row.revived) this.events.emit('status', { deviceId: row.id, status: 'online', at });
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
