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

const SWEEP = 'website_check_retention';
/** Rows one statement deletes: a long-neglected table is trimmed in short transactions. */
const DELETE_BATCH = 5000;
/** Checked every few minutes; the claim makes it once per period cluster-wide. */
const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Deletes website-check results older than WEBSITE_CHECK_RETENTION_DAYS. One process a
 * period does it: the sweep is claimed in `monitor_sweep` (a row inserted on first use).
 * It walks the checks one by one so each delete uses the (check_id, at) index instead of
 * scanning the whole table.
 */
@Injectable()
export class WebsiteCheckRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebsiteCheckRetention.name);
  private readonly loop: Periodic;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.loop = new Periodic('WebsiteCheckRetention', config.monitorTickMs && SWEEP_EVERY_MS, () =>
      this.pass(),
    );
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.loop.stop();
  }

  /** One claimed sweep; returns the rows deleted, or null when another process has it. */
  async pass(): Promise<number | null> {
    const [claimed] = await this.dataSource.query<[unknown[], number]>(
      `INSERT INTO monitor_sweep AS s (name, next_at) VALUES ($1, now() + $2::int * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET next_at = EXCLUDED.next_at WHERE s.next_at <= now()
       RETURNING name`,
      [SWEEP, SWEEP_EVERY_MS - 1000],
    );
    // INSERT … RETURNING answers rows alone; ON CONFLICT … UPDATE may answer [rows, count].
    const rows = Array.isArray(claimed) ? claimed : [claimed];
    if (rows.filter(Boolean).length === 0) return null;
    return this.sweep();
  }

  /** Deletes what is past retention now, whoever else is sweeping. */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.config.websiteCheckRetentionMs);
    const checks = await this.dataSource.query<{ id: string }[]>(`SELECT id FROM website_check`);
    let deleted = 0;
    for (const { id } of checks) {
      for (;;) {
        const [, n] = await this.dataSource.query<[unknown[], number]>(
          `DELETE FROM website_check_result WHERE id IN (
             SELECT id FROM website_check_result WHERE check_id = $1 AND at < $2
             ORDER BY at LIMIT $3)`,
          [id, cutoff, DELETE_BATCH],
        );
        deleted += n;
        if (n < DELETE_BATCH) break;
      }
    }
    if (deleted > 0)
      this.logger.log(`deleted ${deleted} website-check result(s) before ${cutoff.toISOString()}`);
    return deleted;
  }
}
