import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  formatPath,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
  logManifest,
  type LogUploadState,
  type RunAction,
} from '@fleetdesk/protocol';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { JobsService } from '../jobs/jobs.service';
import { BlobStore, LOG_BLOB_STORE } from './blob-store';
import { type ChunkAnswer, ChunkCommitter } from './chunk-committer';
import { GroupCommit, type Outcome } from './group-commit';
import { LogBundleFileEntity } from './log-bundle.entity';
import {
  LogStorageFullException,
  LogUploadInvalidException,
  LogUploadUnknownRunException,
} from './log-collection.exceptions';
import { LogSettingsService } from './log-settings.service';
import { LogVerifierService } from './log-verifier.service';

/**
 * What a request body's gzip trailer says it unzips to, or null if it is not one gzip member
 * (ID1 ID2, deflate, room for a header and a trailer). The bytes are unzipped and checked
 * later, whole, by the verifier; the trailer lets a wrong-sized request be refused now, while
 * the agent can still send it right.
 */
function gzipLength(body: Buffer): number | null {
  if (body.length < 18 || body[0] !== 0x1f || body[1] !== 0x8b || body[2] !== 8) return null;
  return body.readUInt32LE(body.length - 4);
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ManifestItem {
  deviceId: string;
  runId: string;
  manifest: LogManifest;
}

/** A manifest that opens a new bundle, once its run checked out. */
interface Opening {
  item: ManifestItem;
  jobId: string;
  asked: unknown;
  audit: 'log_collections' | 'file_transfers';
  total: number;
  /** Set once inserted; null when the limits refused it. */
  bundleId: string | null;
  /** Opened meanwhile by another batch. */
  late?: boolean;
}

const deviceActor = (deviceId: string): Actor => ({
  kind: 'device',
  userId: deviceId,
  email: null,
  role: null,
  ip: null,
});

/**
 * The device side of a collection: the manifest (creates the bundle, audits what was sent
 * and refused) and the chunks. A chunk is stored, and its file's resume point moved, under
 * a row lock on the file (ChunkCommitter, many chunks a transaction): any number of server
 * processes may take the same device's retries, and each chunk lands once, at its place.
 */
@Injectable()
export class LogUploadService {
  private readonly committer: ChunkCommitter;
  private readonly manifests = new GroupCommit<ManifestItem, LogUploadState>(
    'LogUpload',
    (items) => this.openBundles(items),
    256,
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) store: BlobStore,
    private readonly jobs: JobsService,
    private readonly settings: LogSettingsService,
    private readonly audit: AuditService,
    verifier: LogVerifierService,
  ) {
    this.committer = new ChunkCommitter(dataSource, store, () => verifier.kick());
  }

  async manifest(deviceId: string, runId: string, body: unknown): Promise<LogUploadState> {
    const check = logManifest(body);
    if (!check.ok) {
      throw new LogUploadInvalidException(
        `manifest ${formatPath(['manifest', ...check.path])}: ${check.reason}`,
      );
    }
    const manifest = check.value;
    if (manifest.runId !== runId) {
      throw new LogUploadInvalidException('the manifest names another run than the URL');
    }
    return this.manifests.submit({ deviceId, runId, manifest });
  }

  /**
   * A batch of manifests (group commit): the runs and existing bundles read in one query
   * each, then one transaction decides every new bundle against the limits in arrival order
   * (under one lock, so two bundles cannot both squeeze in), inserts them and their files and
   * audits them. A manifest already received is answered with where its files stand.
   */
  private async openBundles(
    items: ManifestItem[],
  ): Promise<Map<ManifestItem, Outcome<LogUploadState>>> {
    const out = new Map<ManifestItem, Outcome<LogUploadState>>();
    const runIds = [...new Set(items.map((i) => i.runId))];
    const existing = new Map(
      (
        await this.dataSource.query<
          { id: string; run_id: string; device_id: string; received: boolean }[]
        >(
          `SELECT "id", "run_id", "device_id", "received_at" IS NOT NULL AS "received"
             FROM "log_bundle" WHERE "run_id" = ANY($1::uuid[])`,
          [runIds],
        )
      ).map((b) => [b.run_id, b]),
    );
    const missing = runIds.filter((id) => !existing.has(id));
    const runs = missing.length > 0 ? await this.jobs.runActions(missing) : undefined;
    const fresh: Opening[] = [];
    const firsts = new Map<string, Opening>();
    const repeats: { item: ManifestItem; of: Opening }[] = [];
    for (const item of items) {
      if (existing.has(item.runId)) {
        out.set(item, await this.existingState(item, existing.get(item.runId)));
        continue;
      }
      try {
        const run = collectionRun(runs?.get(item.runId), item.deviceId, item.runId);
        const first = firsts.get(item.runId);
        // The same manifest twice in a batch (a retry racing itself): answered as the first.
        if (first) {
          repeats.push({ item, of: first });
          continue;
        }
        checkManifestFiles(item.manifest);
        const total = item.manifest.files.reduce((sum, f) => sum + f.size, 0);
        const opening: Opening = { item, ...run, total, bundleId: null };
        fresh.push(opening);
        firsts.set(item.runId, opening);
      } catch (err) {
        out.set(item, { error: err });
      }
    }
    if (fresh.length > 0) {
      await this.dataSource.transaction(async (m) => {
        await m.query(`SELECT pg_advisory_xact_lock(hashtext('log_bundle_total'))`);
        // A batch committed since the first look (another batch, another server process) may
        // have opened some of these bundles: those are answered as received before.
        const opened = await m.query<{ run_id: string }[]>(
          `SELECT "run_id" FROM "log_bundle" WHERE "run_id" = ANY($1::uuid[])`,
          [fresh.map((o) => o.item.runId)],
        );
        for (const { run_id } of opened) {
          const o = firsts.get(run_id)!;
          o.late = true;
        }
        const settings = await this.settings.get(m);
        const [{ used }] = await m.query<{ used: string }[]>(
          `SELECT COALESCE(SUM("total_bytes"), 0)::bigint AS used FROM "log_bundle" WHERE "status" <> 'failed'`,
        );
        let usedBytes = Number(used);
        const accepted: Opening[] = [];
        for (const o of fresh) {
          if (o.late) continue;
          if (o.total > settings.maxBundleBytes) {
            out.set(o.item, {
              error: new LogStorageFullException(
                `the bundle holds ${o.total} bytes, more than the ${settings.maxBundleBytes} allowed per bundle`,
              ),
            });
          } else if (usedBytes + o.total > settings.maxTotalBytes) {
            out.set(o.item, {
              error: new LogStorageFullException(
                `storing ${o.total} more bytes would pass the ${settings.maxTotalBytes}-byte storage limit (${usedBytes} used); the retention sweep frees space`,
                HttpStatus.INSUFFICIENT_STORAGE,
              ),
            });
          } else {
            usedBytes += o.total;
            accepted.push(o);
          }
        }
        if (accepted.length > 0) await this.insertBundles(m, accepted, settings.retentionDays);
      });
    }
    for (const o of fresh) {
      if (o.late) {
        out.set(o.item, await this.existingState(o.item));
        continue;
      }
      if (o.bundleId === null) continue;
      const { manifest } = o.item;
      out.set(o.item, {
        ok: {
          // A new bundle: every file starts at chunk 0, no need to read that back.
          complete: manifest.files.length === 0,
          files: manifest.files.map((f) => ({ index: f.index, nextSeq: 0 })),
          chunksPerRequest: LOG_LIMITS.chunksPerRequest,
        },
      });
    }
    for (const { item, of } of repeats) out.set(item, out.get(of.item)!);
    return out;
  }

  private async insertBundles(m: EntityManager, accepted: Opening[], retentionDays: number) {
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    const empty = (o: Opening) => o.item.manifest.files.length === 0;
    const rows = await m.query<
      { id: string; run_id: string }[] | [{ id: string; run_id: string }[], number]
    >(
      `INSERT INTO "log_bundle" ("run_id", "job_id", "device_id", "status", "total_bytes",
         "received_bytes", "refused", "error", "collected_at", "received_at", "completed_at",
         "expires_at")
       SELECT u."run_id", u."job_id", u."device_id", u."status", u."total", 0, u."refused"::jsonb,
              NULL, u."collected", u."completed", u."completed", u."expires"
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::bigint[], $6::text[],
                     $7::timestamptz[], $8::timestamptz[], $9::timestamptz[])
           AS u("run_id", "job_id", "device_id", "status", "total", "refused", "collected",
                "completed", "expires")
       RETURNING "id", "run_id"`,
      [
        accepted.map((o) => o.item.runId),
        accepted.map((o) => o.jobId),
        accepted.map((o) => o.item.deviceId),
        accepted.map((o) => (empty(o) ? 'complete' : 'uploading')),
        accepted.map((o) => o.total),
        accepted.map((o) => JSON.stringify(o.item.manifest.refused)),
        accepted.map((o) => iso(o.item.manifest.collectedAt)),
        accepted.map((o) => (empty(o) ? iso(now) : null)),
        accepted.map(() => iso(now + retentionDays * 86_400_000)),
      ],
    );
    const inserted = (Array.isArray(rows[0]) ? rows[0] : rows) as { id: string; run_id: string }[];
    const ids = new Map(inserted.map((r) => [r.run_id, r.id]));
    for (const o of accepted) o.bundleId = ids.get(o.item.runId) ?? null;
    const files = accepted.flatMap((o) =>
      o.item.manifest.files.map((f) => ({ bundleId: o.bundleId, ...f })),
    );
    if (files.length > 0) {
      await m.query(
        `INSERT INTO "log_bundle_file" ("bundle_id", "idx", "source", "path", "real_path", "size",
           "sha256", "chunks", "next_seq", "received_bytes", "truncated", "complete", "encoding")
         SELECT u."bundle_id", u."idx", u."source", u."path", u."real_path", u."size", u."sha256",
                u."chunks", 0, 0, u."truncated", false, 'gzip'
           FROM unnest($1::uuid[], $2::int[], $3::int[], $4::text[], $5::text[], $6::bigint[],
                       $7::text[], $8::int[], $9::bool[])
             AS u("bundle_id", "idx", "source", "path", "real_path", "size", "sha256", "chunks",
                  "truncated")`,
        [
          files.map((f) => f.bundleId),
          files.map((f) => f.index),
          files.map((f) => f.source),
          files.map((f) => f.path),
          files.map((f) => f.realPath),
          files.map((f) => f.size),
          files.map((f) => f.sha256),
          files.map((f) => f.chunks),
          files.map((f) => f.truncated),
        ],
      );
    }
    const denied = (o: Opening) =>
      o.item.manifest.refused.filter((r) => r.reason === 'denied' || r.reason === 'not_allowed');
    await this.audit.recordMany(m, [
      ...accepted.map((o) => ({
        actor: deviceActor(o.item.deviceId),
        entry: {
          action:
            o.audit === 'log_collections' ? 'log_collections.collected' : 'file_transfers.fetched',
          targetType: 'device',
          targetId: o.item.deviceId,
          details: {
            jobId: o.jobId,
            runId: o.item.runId,
            bundleId: o.bundleId,
            asked: o.asked,
            sent: o.item.manifest.files.map((f) => ({
              path: f.path,
              realPath: f.realPath,
              size: f.size,
              sha256: f.sha256,
              truncated: f.truncated,
            })),
            refused: o.item.manifest.refused,
          },
        },
      })),
      ...accepted
        .filter((o) => denied(o).length > 0)
        .map((o) => ({
          actor: deviceActor(o.item.deviceId),
          entry: {
            action: `${o.audit}.refused`,
            targetType: 'device',
            targetId: o.item.deviceId,
            details: { jobId: o.jobId, runId: o.item.runId, refused: denied(o) },
          },
        })),
    ]);
  }

  /**
   * Chunks `seq`..`seq + count - 1` of file `index`, one gzip of their bytes. An old chunk
   * (already stored) is answered with where the file stands and changes nothing; one from the
   * future likewise (the agent continues from there). Stored by the group commit, as the
   * gzip it is: answered once the bytes are synced and the resume point committed.
   */
  async chunk(
    deviceId: string,
    runId: string,
    index: number,
    seq: number,
    sha256: string | undefined,
    body: Buffer,
    count = 1,
  ): Promise<ChunkAnswer> {
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256)) {
      throw new LogUploadInvalidException(
        'the chunk has no hex SHA-256 header',
        HttpStatus.BAD_REQUEST,
      );
    }
    // On the event loop (~0.1 ms a body): WebCrypto's digest, tried for the thread pool, spent
    // more of the loop copying its input and setting up the job than this hash takes.
    if (createHash('sha256').update(body).digest('hex') !== sha256) {
      // Damaged on the way: the agent sends it again.
      throw new LogUploadInvalidException(
        'the chunk does not match its SHA-256',
        HttpStatus.BAD_REQUEST,
      );
    }
    if (!UUID.test(runId)) throw new LogUploadUnknownRunException(runId);
    const rawLength = gzipLength(body);
    if (rawLength === null || rawLength > count * LOG_LIMITS.chunkBytes) {
      throw new LogUploadInvalidException(
        count === 1
          ? 'the chunk is not gzip of at most one chunk of data'
          : `the body is not gzip of at most ${count} chunks of data`,
        HttpStatus.BAD_REQUEST,
      );
    }
    const release = await this.committer.admit(body.length);
    try {
      return await this.committer.submit({
        deviceId,
        runId,
        index,
        seq,
        count,
        body,
        bodySha256: sha256,
        rawLength,
      });
    } finally {
      release();
    }
  }

  /** A manifest for a bundle already opened: where its files stand, if it is this device's. */
  private async existingState(
    item: ManifestItem,
    bundle?: { id: string; device_id: string; received: boolean },
  ): Promise<Outcome<LogUploadState>> {
    const b =
      bundle ??
      (
        await this.dataSource.query<{ id: string; device_id: string; received: boolean }[]>(
          `SELECT "id", "device_id", "received_at" IS NOT NULL AS "received" FROM "log_bundle" WHERE "run_id" = $1`,
          [item.runId],
        )
      )[0];
    if (!b || b.device_id !== item.deviceId) {
      return { error: new LogUploadUnknownRunException(item.runId) };
    }
    // Received whole: the device may forget it (the check that follows is the server's).
    return { ok: await this.state(b.id, b.received) };
  }

  private async state(bundleId: string, complete: boolean): Promise<LogUploadState> {
    const files = await this.dataSource.manager.find(LogBundleFileEntity, {
      where: { bundleId },
      order: { index: 'ASC' },
    });
    return {
      complete,
      files: files.map((f) => ({ index: f.index, nextSeq: f.nextSeq })),
      chunksPerRequest: LOG_LIMITS.chunksPerRequest,
    };
  }
}

/** The run must be this device's, of a collect_logs or fetch_file job. */
function collectionRun(
  run: { deviceId: string; jobId: string; action: RunAction | null } | undefined,
  deviceId: string,
  runId: string,
): { jobId: string; asked: unknown; audit: 'log_collections' | 'file_transfers' } {
  if (!run || run.deviceId !== deviceId) throw new LogUploadUnknownRunException(runId);
  const action = run.action;
  if (action?.kind === 'collect_logs') {
    return { jobId: run.jobId, asked: action.sources, audit: 'log_collections' };
  }
  // A fetched file rides the same upload: a bundle of one file (a folder as a tar).
  if (action?.kind === 'fetch_file') {
    return {
      jobId: run.jobId,
      asked: [{ type: 'file', path: action.path }],
      audit: 'file_transfers',
    };
  }
  throw new LogUploadUnknownRunException(runId);
}

/** Indexes 0..n-1 in order, chunk counts that fit the sizes. */
function checkManifestFiles(manifest: LogManifest): void {
  manifest.files.forEach((f, i) => {
    if (f.index !== i) throw new LogUploadInvalidException(`files[${i}].index must be ${i}`);
    if (f.chunks !== logChunkCount(f.size)) {
      throw new LogUploadInvalidException(
        `files[${i}].chunks must be ${logChunkCount(f.size)} for ${f.size} bytes`,
      );
    }
  });
}
