import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/actor';
import { BlobStore, LOG_BLOB_STORE } from './blob-store';

export const RETENTION_SWEEP_MS = 10 * 60_000;
const BATCH = 100;

/**
 * Deletes bundles past their retention and the blobs nobody uses any more (from the object
 * store, and from the legacy folder if one is still there). Every server process runs it; each batch is claimed with `FOR UPDATE SKIP LOCKED`, so two processes
 * never work on the same rows and never wait for each other. A blob's row stays locked
 * while its file is removed, which is the same lock an upload takes before it puts a file
 * of that hash in place: a file is never removed under a bundle that has just claimed it.
 */
@Injectable()
export class LogRetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LogRetention');
  private timer?: NodeJS.Timeout;
  private sweeping: Promise<unknown> | null = null;
  private moving: Promise<unknown> | null = null;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) private readonly store: BlobStore,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), RETENTION_SWEEP_MS);
    this.timer.unref();
    // Files kept on disk before the object store move in the background, served until then.
    this.moving = this.moveLegacy()
      .catch((err: unknown) => this.logger.error(`moving stored log files failed: ${String(err)}`))
      .finally(() => (this.moving = null));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.sweeping;
    await this.moving;
  }

  /**
   * Moves every file left in DATA_DIR/log-store/blobs (where completed files were kept before
   * the object store) into the store, one at a time, each under its log_blob row lock: the
   * lock the sweep takes to delete a blob and an upload takes to store one. A file no row
   * names any more is deleted instead. One that fails to move stays on disk, still served,
   * and is tried again at the next start.
   */
  async moveLegacy(): Promise<{ moved: number; dropped: number; failed: number }> {
    let moved = 0;
    let dropped = 0;
    let failed = 0;
    let firstError = '';
    for (const sha256 of await this.store.legacyHashes()) {
      if (this.stopped) break;
      try {
        await this.dataSource.transaction(async (m) => {
          const rows = await m.query<unknown[]>(
            `SELECT 1 FROM "log_blob" WHERE "sha256" = $1 FOR UPDATE`,
            [sha256],
          );
          const keep = rows.length > 0;
          if (await this.store.moveLegacy(sha256, keep)) {
            if (keep) moved++;
            else dropped++;
          }
        });
      } catch (err) {
        failed++;
        firstError ||= `${sha256}: ${String(err)}`;
      }
    }
    if (moved + dropped > 0) {
      this.logger.log(
        `stored log files: moved ${moved} from DATA_DIR/log-store/blobs into the ${this.store.kind} store, deleted ${dropped} no bundle used`,
      );
    }
    if (failed > 0) {
      this.logger.error(
        `stored log files: ${failed} could not be moved from DATA_DIR/log-store/blobs (still served from there; tried again at the next start), first: ${firstError}`,
      );
    }
    return { moved, dropped, failed };
  }

  private async tick(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = this.sweep()
      .catch((err: unknown) => this.logger.error(`log retention sweep failed: ${String(err)}`))
      .finally(() => (this.sweeping = null));
    await this.sweeping;
  }

  /** One full pass; returns how many bundles and blobs it removed. */
  async sweep(now = new Date()): Promise<{ bundles: number; blobs: number }> {
    let bundles = 0;
    for (;;) {
      const ids = await this.dataSource.transaction(async (m) => {
        type Deleted = { id: string; device_id: string; run_id: string };
        const rows = await m.query<[Deleted[], number] | Deleted[]>(
          `DELETE FROM "log_bundle" WHERE "id" IN (
             SELECT "id" FROM "log_bundle" WHERE "expires_at" <= $1
              ORDER BY "expires_at" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
           RETURNING "id", "device_id", "run_id"`,
          [now],
        );
        // The postgres driver answers a DELETE … RETURNING with [rows, count].
        const deleted = (Array.isArray(rows[0]) ? rows[0] : rows) as Deleted[];
        if (deleted.length > 0) {
          await this.audit.record(m, SYSTEM_ACTOR, {
            action: 'log_bundles.expired',
            targetType: 'log_bundle',
            details: {
              bundles: deleted.map((d) => ({ id: d.id, deviceId: d.device_id, runId: d.run_id })),
            },
          });
        }
        return deleted.map((d) => d.id);
      });
      for (const id of ids) await this.store.removePartials(id);
      bundles += ids.length;
      if (ids.length < BATCH) break;
    }
    // Files uploaded for pushing are kept as long as log bundles, then let go like them.
    await this.dataSource.query(`DELETE FROM "file_upload" WHERE "expires_at" <= $1`, [now]);
    const blobs = await this.removeUnusedBlobs();
    if (bundles + blobs > 0) {
      this.logger.log(`log retention: removed ${bundles} bundle(s) and ${blobs} stored file(s)`);
    }
    return { bundles, blobs };
  }

  /**
   * Deletes the blobs (rows and stored bytes) that no bundle file and no pushable upload
   * names, all of them or only those of `only`: a file two bundles share goes with the last.
   * A blob whose row another process holds (an upload storing the same bytes right now) is
   * skipped; the next sweep sees it again.
   */
  async removeUnusedBlobs(only?: string[]): Promise<number> {
    if (only?.length === 0) return 0;
    let blobs = 0;
    for (;;) {
      const removed = await this.dataSource.transaction(async (m) => {
        const rows = await m.query<{ sha256: string }[]>(
          `SELECT b."sha256" FROM "log_blob" b
            WHERE NOT EXISTS (SELECT 1 FROM "log_bundle_file" f WHERE f."sha256" = b."sha256")
              AND NOT EXISTS (SELECT 1 FROM "log_bundle_file" f WHERE f."stored_sha256" = b."sha256")
              AND NOT EXISTS (SELECT 1 FROM "file_upload" u WHERE u."sha256" = b."sha256")
              ${only ? 'AND b."sha256" = ANY($1::text[])' : ''}
            LIMIT ${BATCH} FOR UPDATE OF b SKIP LOCKED`,
          only ? [[...new Set(only)]] : [],
        );
        for (const { sha256 } of rows) {
          await m.query(`DELETE FROM "log_blob" WHERE "sha256" = $1`, [sha256]);
          await this.store.remove(sha256);
        }
        return rows.length;
      });
      blobs += removed;
      if (removed < BATCH) break;
    }
    return blobs;
  }
}
