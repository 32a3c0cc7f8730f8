import { HttpStatus, Logger } from '@nestjs/common';
import { LOG_LIMITS } from '@fleetdesk/protocol';
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { BlobStore } from './blob-store';
import { GroupCommit, type Outcome } from './group-commit';
import {
  LogUploadInvalidException,
  LogUploadUnknownRunException,
} from './log-collection.exceptions';

/**
 * A checked request: `count` consecutive chunks of one file from `seq` on, as the one gzip
 * member the agent sent (`body`, whose SHA-256 the request carried). `rawLength` is what its
 * gzip trailer says it unzips to; the verifier finds out if that was true.
 */
export interface ChunkWrite {
  deviceId: string;
  runId: string;
  index: number;
  seq: number;
  count: number;
  body: Buffer;
  bodySha256: string;
  rawLength: number;
}

export interface ChunkAnswer {
  nextSeq: number;
  complete: boolean;
}

interface FileRow {
  run_id: string;
  device_id: string;
  bundle_id: string;
  idx: number;
  next_seq: number;
  chunks: number;
  size: string;
  stored_bytes: string;
  complete: boolean;
}

/** What one batch does to one file: gzip bytes appended at `storedStart`, its resume point moved. */
interface FileWork {
  row: FileRow;
  nextSeq: number;
  /** The file's own offset of the first chunk taken (-1: none). */
  start: number;
  /** Where in the stored (gzip) file this batch's bodies go. */
  storedStart: number;
  parts: Buffer[];
  shas: string[];
  /** The file's own bytes the taken chunks stand for, and their gzip bytes. */
  added: number;
  storedAdded: number;
  /** Writing or moving the file failed: nothing of this batch is acknowledged for it. */
  failed?: unknown;
  /** Set once its last chunk is in: the stored object's key (SHA-256 of the gzip bytes). */
  stored?: string;
}

/** Request bodies held in memory awaiting their batch; past it, requests wait. */
const MAX_PENDING_BYTES = 256 * 1024 * 1024;

const keyOf = (c: { runId: string; deviceId: string; index: number }) =>
  `${c.runId}/${c.deviceId}/${c.index}`;

/**
 * Stores upload chunks by group commit (GroupCommit): the chunks of one batch share one
 * transaction that locks all their files' rows, each file's new bytes are written and
 * datasynced once, the resume points move in one statement, and none is acknowledged before
 * COMMIT. A chunk that is refused (unknown run, wrong size) or whose file cannot be written
 * fails alone.
 *
 * The bytes kept are the gzip bodies as they came, back to back (a gzip of several members
 * unzips to the file): a tenth of the log's bytes to write and sync, and nothing to unzip
 * or hash on the way. A completed file goes into the object store under the SHA-256 of
 * those bytes, and the LogVerifier then checks that it unzips to what the manifest announced
 * before the bundle is offered to anyone.
 */
export class ChunkCommitter {
  private readonly logger = new Logger('LogUpload');
  private readonly batches: GroupCommit<ChunkWrite, ChunkAnswer>;
  private pendingBytes = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: BlobStore,
    /** Some files were completed by a committed batch: they await the verifier. */
    private readonly onReceived: () => void,
  ) {
    this.batches = new GroupCommit('LogUpload', (batch) =>
      this.dataSource.transaction((m) => this.commit(m, batch)),
    );
  }

  /** Reserves room for a request body of `bytes`; the caller releases it after its answer. */
  async admit(bytes: number): Promise<() => void> {
    while (this.pendingBytes > 0 && this.pendingBytes + bytes > MAX_PENDING_BYTES) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.pendingBytes += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pendingBytes -= bytes;
      for (const wake of this.waiting.splice(0)) wake();
    };
  }

  async submit(write: ChunkWrite): Promise<ChunkAnswer> {
    const answer = await this.batches.submit(write);
    if (answer.complete) this.onReceived();
    return answer;
  }

  /** One transaction for the whole batch; answers only after it commits (the caller's job). */
  private async commit(
    m: EntityManager,
    batch: ChunkWrite[],
  ): Promise<Map<ChunkWrite, Outcome<ChunkAnswer>>> {
    const answers = new Map<ChunkWrite, Outcome<ChunkAnswer>>();
    // Distinct files; the same write twice in a batch (a retry racing itself) locks once.
    const wanted = new Map<string, ChunkWrite>();
    for (const p of batch) wanted.set(keyOf(p), p);
    const keys = [...wanted.values()];
    // Locked in one order (bundle, file), so two server processes' batches never deadlock.
    const rows = await m.query<FileRow[]>(
      `SELECT b."run_id", b."device_id", f."bundle_id", f."idx", f."next_seq", f."chunks",
              f."size", f."stored_bytes", f."complete"
         FROM unnest($1::uuid[], $2::uuid[], $3::int[]) AS k("run_id", "device_id", "idx")
         JOIN "log_bundle" b ON b."run_id" = k."run_id" AND b."device_id" = k."device_id"
         JOIN "log_bundle_file" f ON f."bundle_id" = b."id" AND f."idx" = k."idx"
        ORDER BY f."bundle_id", f."idx"
          FOR UPDATE OF f`,
      [keys.map((k) => k.runId), keys.map((k) => k.deviceId), keys.map((k) => k.index)],
    );
    const files = new Map<string, FileWork>();
    for (const row of rows) {
      const key = keyOf({ runId: row.run_id, deviceId: row.device_id, index: row.idx });
      files.set(key, {
        row,
        nextSeq: row.next_seq,
        start: -1,
        storedStart: Number(row.stored_bytes),
        parts: [],
        shas: [],
        added: 0,
        storedAdded: 0,
      });
    }

    // In arrival order: a chunk is taken only if it is the one its file wants next.
    const accepted = new Map<ChunkWrite, FileWork>();
    const answered = new Map<ChunkWrite, FileWork>();
    for (const p of batch) {
      const work = files.get(keyOf(p));
      if (!work) {
        answers.set(p, { error: new LogUploadUnknownRunException(p.runId) });
        continue;
      }
      const { row } = work;
      if (row.complete || p.seq !== work.nextSeq) {
        // Already stored, or from the future: the answer says where the file stands.
        answered.set(p, work);
        continue;
      }
      if (p.seq + p.count > row.chunks) {
        answers.set(p, {
          error: new LogUploadInvalidException(
            `chunks ${p.seq}..${p.seq + p.count - 1} run past the file's ${row.chunks} chunks`,
            HttpStatus.BAD_REQUEST,
          ),
        });
        continue;
      }
      const size = Number(row.size);
      const offset = p.seq * LOG_LIMITS.chunkBytes;
      const expected = Math.max(0, Math.min(p.count * LOG_LIMITS.chunkBytes, size - offset));
      if (p.rawLength !== expected) {
        const which = p.count === 1 ? `chunk ${p.seq}` : `chunks ${p.seq}..${p.seq + p.count - 1}`;
        answers.set(p, {
          error: new LogUploadInvalidException(
            `${which} hold${p.count === 1 ? 's' : ''} ${p.rawLength} bytes; the manifest makes it ${expected}`,
            HttpStatus.BAD_REQUEST,
          ),
        });
        continue;
      }
      if (work.start < 0) work.start = offset;
      work.parts.push(p.body);
      work.shas.push(p.bodySha256);
      work.added += p.rawLength;
      work.storedAdded += p.body.length;
      work.nextSeq = p.seq + p.count;
      accepted.set(p, work);
      answered.set(p, work);
    }

    const written = [...files.values()].filter((w) => w.start >= 0);
    await Promise.all(
      written.map(async (work) => {
        const partial = this.store.partialPath(work.row.bundle_id, work.row.idx);
        try {
          await this.store.writeAt(partial, work.storedStart, work.parts);
          if (work.nextSeq >= work.row.chunks) work.stored = await this.keyOf(work, partial);
        } catch (err) {
          work.failed = err;
        }
      }),
    );

    // The blob rows are locked before the files move, so the retention sweep (which deletes
    // a blob row and its file under the same lock) cannot remove a file a bundle now points at.
    const stored = written.filter((w) => !w.failed && w.stored);
    const blobs = new Map(stored.map((w) => [w.stored!, w.storedStart + w.storedAdded]));
    if (blobs.size > 0) {
      const shas = [...blobs.keys()].sort();
      await m.query(
        `INSERT INTO "log_blob" ("sha256", "size")
         SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT ("sha256") DO UPDATE SET "size" = EXCLUDED."size"`,
        [shas, shas.map((s) => blobs.get(s))],
      );
    }
    await Promise.all(
      stored.map(async (work) => {
        try {
          await this.store.commit(
            this.store.partialPath(work.row.bundle_id, work.row.idx),
            work.stored!,
          );
        } catch (err) {
          work.failed = err;
        }
      }),
    );

    const done = written.filter((w) => !w.failed);
    /** Per bundle: received whole (the device may forget it). */
    const states = new Map<string, boolean>();
    for (const work of written) {
      if (!work.failed) continue;
      this.logger.error(
        `log bundle ${work.row.bundle_id} file ${work.row.idx}: storing chunks failed: ${work.failed instanceof Error ? work.failed.message : JSON.stringify(work.failed)}`,
      );
      work.nextSeq = work.row.next_seq;
    }
    if (done.length > 0) {
      await m.query(
        `UPDATE "log_bundle_file" f
            SET "next_seq" = u."next_seq", "received_bytes" = u."received",
                "stored_bytes" = u."stored_bytes", "complete" = u."stored" IS NOT NULL,
                "stored_sha256" = u."stored"
           FROM unnest($1::uuid[], $2::int[], $3::int[], $4::bigint[], $5::bigint[], $6::text[])
             AS u("bundle_id", "idx", "next_seq", "received", "stored_bytes", "stored")
          WHERE f."bundle_id" = u."bundle_id" AND f."idx" = u."idx"`,
        [
          done.map((w) => w.row.bundle_id),
          done.map((w) => w.row.idx),
          done.map((w) => w.nextSeq),
          done.map((w) => w.start + w.added),
          done.map((w) => w.storedStart + w.storedAdded),
          done.map((w) => w.stored ?? null),
        ],
      );
      const added = new Map<string, number>();
      for (const w of done) added.set(w.row.bundle_id, (added.get(w.row.bundle_id) ?? 0) + w.added);
      // The bundle's count moves; it is received once none of its files is short (this
      // statement sees the file rows just updated). What it returns answers its requests.
      const rows = await m.query<
        { id: string; received: boolean }[] | [{ id: string; received: boolean }[], number]
      >(
        `UPDATE "log_bundle" b
            SET "received_bytes" = b."received_bytes" + u."added",
                "received_at" = CASE
                  WHEN b."received_at" IS NULL AND b."status" = 'uploading'
                   AND NOT EXISTS (SELECT 1 FROM "log_bundle_file" f
                                    WHERE f."bundle_id" = b."id" AND NOT f."complete")
                  THEN now() ELSE b."received_at" END
           FROM unnest($1::uuid[], $2::bigint[]) AS u("id", "added")
          WHERE b."id" = u."id"
      RETURNING b."id", b."received_at" IS NOT NULL AS "received"`,
        [[...added.keys()], [...added.values()]],
      );
      for (const r of (Array.isArray(rows[0]) ? rows[0] : rows) as {
        id: string;
        received: boolean;
      }[]) {
        states.set(r.id, r.received);
      }
    }

    // Bundles answered without a write of theirs in this batch (old or future chunks).
    const unread = [...new Set([...answered.values()].map((w) => w.row.bundle_id))].filter(
      (id) => !states.has(id),
    );
    if (unread.length > 0) {
      const rows = await m.query<{ id: string; received: boolean }[]>(
        `SELECT "id", "received_at" IS NOT NULL AS "received" FROM "log_bundle" WHERE "id" = ANY($1::uuid[])`,
        [unread],
      );
      for (const r of rows) states.set(r.id, r.received);
    }
    for (const [p, work] of answered) {
      if (accepted.has(p) && work.failed) {
        answers.set(p, { error: work.failed });
        continue;
      }
      answers.set(p, {
        ok: { nextSeq: work.nextSeq, complete: states.get(work.row.bundle_id) === true },
      });
    }
    return answers;
  }

  /**
   * The last chunk is in: the stored object's key is the SHA-256 of the gzip bytes kept.
   * When this batch wrote them all, their hashes are at hand (one body: the request's own);
   * otherwise the partial file, a tenth of the log's size, is read back.
   */
  private async keyOf(work: FileWork, partial: string): Promise<string> {
    if (work.storedStart === 0 && work.parts.length === 1) return work.shas[0];
    if (work.storedStart === 0) {
      const hash = createHash('sha256');
      for (const part of work.parts) hash.update(part);
      return hash.digest('hex');
    }
    return (await this.store.hashOf(partial)).sha256;
  }
}
