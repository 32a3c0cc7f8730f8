import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { DataSource } from 'typeorm';
import type { StoredObject } from '../object-store/object-store';
import { BlobStore, hashStream, LOG_BLOB_STORE, LogBlobMissingError } from './blob-store';

const gunzip = promisify(gunzipCallback);

/** Files claimed at once, and checked side by side (zlib and WebCrypto run in the thread pool). */
const CLAIM = 32;
const PARALLEL = 2;
/** A claim outlives a crashed process by this much; then another one checks the file. */
const LEASE = '5 minutes';
/** Files this size or smaller are unzipped and hashed in one call each, off the event loop. */
const WHOLE_BYTES = 32 * 1024 * 1024;
/** Catches what no kick announced: another process's expired claims, a restart's leftovers. */
export const VERIFY_SWEEP_MS = 60_000;

interface Claimed {
  bundle_id: string;
  idx: number;
  size: string;
  sha256: string;
  stored_sha256: string | null;
  stored_bytes: string;
  encoding: 'identity' | 'gzip';
}

type Verdict = { ok: true } | { ok: false; reason: string } | { retry: unknown };

/**
 * Checks each received file against its manifest: unzipped, it must have the announced size
 * and SHA-256. Until then its bundle is not `complete` and nothing of it is served. Files
 * are claimed in the database (`FOR UPDATE SKIP LOCKED`, then a lease), so every server
 * process verifies and none checks a file another is checking. The upload wakes it (kick)
 * as soon as a bundle is received; a sweep picks up the rest.
 *
 * A file that does not match fails its bundle, with the reason; the device was already told
 * it was stored (its bytes are kept as they came), so it is not asked again: the same agent
 * would send the same bytes.
 */
@Injectable()
export class LogVerifierService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('LogVerifier');
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) private readonly store: BlobStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), VERIFY_SWEEP_MS);
    this.timer.unref();
    this.kick();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Verifies whatever awaits it; a kick while it runs makes it look once more at the end. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((err: unknown) =>
        this.logger.error(`verifying stored log files failed: ${String(err)}`),
      )
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once nothing awaits verification (tests, and the kick's own loop). */
  async drain(): Promise<void> {
    while (!this.stopped) {
      this.again = false;
      const files = await this.claim();
      if (files.length === 0) return;
      const verdicts = new Map<Claimed, Verdict>();
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(PARALLEL, files.length) }, async () => {
          while (next < files.length) {
            const file = files[next++];
            verdicts.set(file, await this.check(file));
          }
        }),
      );
      await this.record(verdicts);
    }
  }

  private async claim(): Promise<Claimed[]> {
    const rows = await this.dataSource.query<Claimed[] | [Claimed[], number]>(
      `UPDATE "log_bundle_file" f SET "verify_lease" = now() + interval '${LEASE}'
         FROM (SELECT "bundle_id", "idx" FROM "log_bundle_file"
                WHERE "complete" AND "verified_at" IS NULL
                  AND ("verify_lease" IS NULL OR "verify_lease" < now())
                ORDER BY "bundle_id", "idx" LIMIT $1 FOR UPDATE SKIP LOCKED) c
        WHERE f."bundle_id" = c."bundle_id" AND f."idx" = c."idx"
        RETURNING f."bundle_id", f."idx", f."size", f."sha256", f."stored_sha256",
                  f."stored_bytes", f."encoding"`,
      [CLAIM],
    );
    return (Array.isArray(rows[0]) ? rows[0] : rows) as Claimed[];
  }

  private async check(file: Claimed): Promise<Verdict> {
    const size = Number(file.size);
    const collected = {
      sha256: file.sha256,
      size,
      storedSha256: file.stored_sha256,
      storedBytes: Number(file.stored_bytes),
      encoding: file.encoding,
    };
    try {
      const { storedSha256 } = collected;
      const got =
        storedSha256 && collected.encoding === 'gzip' && size <= WHOLE_BYTES
          ? await whole(await this.store.openStored({ ...collected, storedSha256 }), size)
          : await streamed(await this.store.openCollected(collected));
      if (got.sha256 === file.sha256 && got.size === size) return { ok: true };
      if (got.size > size) {
        return {
          ok: false,
          reason: `file ${file.idx}: unzips to more than the ${size} bytes the agent announced`,
        };
      }
      return {
        ok: false,
        reason: `file ${file.idx}: stored ${got.size} bytes hashing to ${got.sha256}, the agent announced ${size} bytes hashing to ${file.sha256}`,
      };
    } catch (err) {
      if (err instanceof LogBlobMissingError) {
        return { ok: false, reason: `file ${file.idx}: ${err.message}` };
      }
      if (err instanceof NotGzip) return { ok: false, reason: `file ${file.idx}: ${err.message}` };
      return { retry: err };
    }
  }

  /** One transaction: the verified files, the failed bundles, the bundles now complete. */
  private async record(verdicts: Map<Claimed, Verdict>): Promise<void> {
    const ok = [...verdicts].filter(([, v]) => 'ok' in v && v.ok).map(([f]) => f);
    const bad = [...verdicts].flatMap(([f, v]) =>
      'ok' in v && !v.ok ? [{ file: f, reason: v.reason }] : [],
    );
    for (const [f, v] of verdicts) {
      if ('retry' in v) {
        this.logger.warn(
          `log bundle ${f.bundle_id} file ${f.idx}: could not be read to verify (${String(v.retry)}); retried once its claim runs out`,
        );
      }
    }
    await this.dataSource.transaction(async (m) => {
      if (ok.length > 0) {
        await m.query(
          `UPDATE "log_bundle_file" f SET "verified_at" = now(), "verify_lease" = NULL
             FROM unnest($1::uuid[], $2::int[]) AS u("bundle_id", "idx")
            WHERE f."bundle_id" = u."bundle_id" AND f."idx" = u."idx"`,
          [ok.map((f) => f.bundle_id), ok.map((f) => f.idx)],
        );
      }
      for (const { file, reason } of bad) {
        // Not complete any more: never served, never claimed again.
        await m.query(
          `UPDATE "log_bundle_file" SET "complete" = false, "verify_lease" = NULL
            WHERE "bundle_id" = $1 AND "idx" = $2`,
          [file.bundle_id, file.idx],
        );
        await m.query(
          `UPDATE "log_bundle" SET "status" = 'failed', "error" = $2
            WHERE "id" = $1 AND "status" <> 'failed'`,
          [file.bundle_id, reason.slice(0, 1000)],
        );
        this.logger.error(`log bundle ${file.bundle_id}: ${reason}`);
      }
      const bundles = [...new Set(ok.map((f) => f.bundle_id))];
      if (bundles.length > 0) {
        await m.query(
          `UPDATE "log_bundle" b SET "status" = 'complete', "completed_at" = now()
            WHERE b."id" = ANY($1::uuid[]) AND b."status" = 'uploading' AND b."received_at" IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM "log_bundle_file" f
                               WHERE f."bundle_id" = b."id" AND (NOT f."complete" OR f."verified_at" IS NULL))`,
          [bundles],
        );
      }
    });
  }
}

class NotGzip extends Error {}

/** Unzipped in one call and hashed by WebCrypto: both in the thread pool. */
async function whole(
  stored: StoredObject,
  size: number,
): Promise<{ sha256: string; size: number }> {
  const parts: Buffer[] = [];
  for await (const part of stored.stream as AsyncIterable<Buffer>) parts.push(part);
  let raw: Buffer;
  try {
    // One byte past the announced size is enough to know it is wrong. One output buffer of
    // that size: zlib's default 16 KiB pieces cost a main-thread callback each, and then a copy.
    raw = await gunzip(Buffer.concat(parts), {
      maxOutputLength: size + 1,
      chunkSize: Math.max(64, size + 1),
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      return { sha256: '', size: size + 1 };
    }
    throw new NotGzip(`not valid gzip: ${(err as Error).message}`);
  }
  const digest = await webcrypto.subtle.digest('SHA-256', raw);
  return { sha256: Buffer.from(digest).toString('hex'), size: raw.length };
}

/** Unzipped (by openCollected) and hashed as it is read: files too big to hold whole. */
async function streamed(stored: StoredObject): Promise<{ sha256: string; size: number }> {
  try {
    return await hashStream(stored.stream);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new NotGzip(`not valid gzip: ${(err as Error).message}`);
    }
    throw err;
  }
}
