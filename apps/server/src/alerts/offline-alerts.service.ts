import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Periodic } from '../common/periodic';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DevicesService, type SilentDevice } from '../devices/devices.service';
import { AlertsService, type Observation } from './alerts.service';

/** Devices looked at per sweep; the next sweep takes the rest. */
const SWEEP_LIMIT = 5_000;
const SOURCE = 'device_offline';

export const offlineSubject = (deviceId: string) => `${SOURCE}:${deviceId}`;

/**
 * Fires an alert for each device offline longer than the grace (OFFLINE_ALERT_GRACE_SECONDS)
 * and resolves it when the device is back (or revoked, or deleted). The grace is the flap
 * protection, so one observation fires. Every process runs the loop; one sweep per tick runs
 * cluster-wide, claimed by moving `monitor_sweep.next_at` forward in one UPDATE.
 */
@Injectable()
export class OfflineAlertsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OfflineAlertsService.name);
  private readonly loop: Periodic;
  private readonly sweepEveryMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly devices: DevicesService,
    private readonly alerts: AlertsService,
  ) {
    // A quarter of the grace is precise enough, and spares the database a sweep every tick.
    this.sweepEveryMs =
      config.monitorTickMs &&
      Math.max(config.monitorTickMs, Math.min(5000, config.offlineAlertGraceMs / 4));
    this.loop = new Periodic('OfflineAlerts', this.sweepEveryMs, () => this.sweep());
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** Claims this tick's sweep; false when another process has it. */
  private async claim(): Promise<boolean> {
    const [rows] = await this.dataSource.query<[unknown[], number]>(
      `UPDATE monitor_sweep SET next_at = now() + $2::int * interval '1 millisecond'
       WHERE name = $1 AND next_at <= now() RETURNING name`,
      [SOURCE, Math.max(100, this.sweepEveryMs - 50)],
    );
    return rows.length > 0;
  }

  /** One sweep; returns how many alerts fired and resolved. */
  async sweep(force = false): Promise<{ fired: number; resolved: number }> {
    const result = { fired: 0, resolved: 0 };
    if (!force && !(await this.claim())) return result;
    const grace = this.config.offlineAlertGraceMs;
    const open = new Set(await this.alerts.openDeviceAlerts(SOURCE));
    // Devices already alerted are left out, so a fleet with many long-offline devices does
    // not read them all again on every sweep.
    const silent = await this.devices.silentDevices(grace, SWEEP_LIMIT, { except: [...open] });
    // Back means heard from within the grace: a status flipped to online by a heartbeat
    // written late (sent before the device died) does not resolve the alert.
    const stillSilent = new Set(
      open.size
        ? (
            await this.devices.silentDevices(grace, open.size, {
              among: [...open],
              anyStatus: true,
            })
          ).map((d) => d.id)
        : [],
    );

    // Each device on its own: one that fails to write never holds up the others.
    for (const d of silent) {
      if ((await this.observe(this.failing(d))) === 'fired') result.fired += 1;
    }
    for (const id of [...open].filter((x) => !stillSilent.has(x))) {
      const back: Observation = {
        source: SOURCE,
        subject: offlineSubject(id),
        deviceId: id,
        ok: true,
        severity: 'critical',
        title: '',
        message: '',
        failThreshold: 1,
        successThreshold: 1,
      };
      if ((await this.observe(back)) === 'resolved') result.resolved += 1;
    }
    return result;
  }

  private failing(d: SilentDevice): Observation {
    return {
      source: SOURCE,
      subject: offlineSubject(d.id),
      deviceId: d.id,
      ok: false,
      severity: 'critical',
      title: `Device offline: ${d.name}`,
      message: `${d.name} has not been in contact since ${new Date(d.lastSeenAt).toISOString()}`,
      failThreshold: 1,
      successThreshold: 1,
      groupId: d.groupId,
      tags: d.tags,
    };
  }

  private async observe(o: Observation) {
    try {
      return await this.alerts.observe(o);
    } catch (e) {
      this.logger.error(
        `offline alert for device ${o.deviceId} not written: ${(e as Error).message}`,
      );
      return 'none';
    }
  }
}
