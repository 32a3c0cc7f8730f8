import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  FILE_TRANSFER_RULES,
  type FileTransferResponse,
  type FileTransferRunResponse,
  type FileUploadResponse,
  type JobResponse,
  PAGE_SIZE_MAX,
  type RunResponse,
} from '@fleetdesk/api-types';
import {
  type FetchFileAction,
  fetchFile,
  type PushFileAction,
  pushChunkCount,
  pushFile,
  TRANSFER_LIMITS,
} from '@fleetdesk/protocol';
import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { JobsService } from '../jobs/jobs.service';
import { checkAction } from './action-checks';
import { BlobStore, LOG_BLOB_STORE } from './blob-store';
import type { FetchFileDto, PushFileDto } from './dto/file-transfer.dto';
import { LogBundleEntity, LogBundleFileEntity } from './log-bundle.entity';
import {
  FileTransferNotFoundException,
  LogCollectionInvalidException,
  LogStorageFullException,
  LogUploadUnknownRunException,
} from './log-collection.exceptions';
import { LogSettingsService } from './log-settings.service';

/** Request bodies are written to the partial file in pieces of this size. */
const WRITE_PIECE = 4 * 1024 * 1024;
/** A push chunk may be served while its run is one of these. */
const SERVING_STATES = new Set(['dispatched', 'running']);

interface UploadRow {
  id: string;
  sha256: string;
  size: string;
  name: string;
  created_at: Date;
  expires_at: Date;
}

const toUploadResponse = (u: UploadRow): FileUploadResponse => ({
  id: u.id,
  name: u.name,
  size: Number(u.size),
  sha256: u.sha256.trim(),
  createdAt: new Date(u.created_at).toISOString(),
  expiresAt: new Date(u.expires_at).toISOString(),
});

/**
 * File transfer. A fetch is a job whose `fetch_file` action the device answers by staging
 * the file (a folder as a tar) and uploading it like a log bundle: same resumable signed
 * chunks, same store, same retention, downloaded through the bundle routes. A push first
 * stores the technician's upload by SHA-256 beside the logs; the `push_file` job then names
 * it, its hash and size signed into the action, and each device fetches it chunk by chunk
 * with its own signature. Both carry the admin's path lists of the moment.
 */
@Injectable()
export class FileTransferService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) private readonly store: BlobStore,
    private readonly jobs: JobsService,
    private readonly settings: LogSettingsService,
    private readonly audit: AuditService,
  ) {}

  /** Stores the request body as a file to push; refused past the per-bundle size limit. */
  async upload(
    actor: Actor,
    name: string,
    body: AsyncIterable<Buffer>,
    announced?: number,
  ): Promise<FileUploadResponse> {
    const settings = await this.settings.get();
    const limit = Math.min(settings.maxBundleBytes, TRANSFER_LIMITS.pushBytes.max);
    const tooBig = () =>
      new LogStorageFullException(
        `a file to push is at most ${limit} bytes (the per-bundle storage limit)`,
      );
    if (announced !== undefined && announced > limit) throw tooBig();
    const id = randomUUID();
    const partial = this.store.partialPath(`upload-${id}`, 0);
    const hash = createHash('sha256');
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      const data = Buffer.concat(pending);
      await this.store.writeAt(partial, size - data.length, data);
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const piece of body) {
        size += piece.length;
        if (size > limit) throw tooBig();
        hash.update(piece);
        pending.push(piece);
        pendingBytes += piece.length;
        if (pendingBytes >= WRITE_PIECE) await flush();
      }
      await flush();
      const sha256 = hash.digest('hex');
      const stored = await this.store.hashOf(partial);
      if (stored.sha256 !== sha256 || stored.size !== size) {
        throw new Error('the stored upload does not hash to what was received');
      }
      const row = await this.dataSource.transaction(async (m) => {
        // Locks the blob row, as a finished log upload does, so the sweep cannot remove the
        // file between its move into place and the upload row that keeps it.
        await m.query(
          `INSERT INTO "log_blob" ("sha256", "size") VALUES ($1, $2)
           ON CONFLICT ("sha256") DO UPDATE SET "size" = EXCLUDED."size"`,
          [sha256, size],
        );
        await this.store.commit(partial, sha256);
        const [inserted] = await m.query<UploadRow[]>(
          `INSERT INTO "file_upload" ("id", "sha256", "size", "name", "uploaded_by", "expires_at")
           VALUES ($1, $2, $3, $4, $5, now() + make_interval(days => $6::int))
           RETURNING "id", "sha256", "size", "name", "created_at", "expires_at"`,
          [id, sha256, size, name, actor.email, settings.retentionDays],
        );
        await this.audit.record(m, actor, {
          action: 'file_transfers.uploaded',
          targetType: 'file_upload',
          targetId: id,
          details: { name, size, sha256 },
        });
        return inserted;
      });
      return toUploadResponse(row);
    } finally {
      await rm(partial, { force: true });
    }
  }

  async getUpload(id: string): Promise<FileUploadResponse> {
    return toUploadResponse(await this.uploadRow(id));
  }

  async fetch(actor: Actor, dto: FetchFileDto): Promise<JobResponse> {
    const policy = await this.settings.get();
    const action: FetchFileAction = {
      kind: 'fetch_file',
      path: dto.path,
      maxBytes: Math.min(
        dto.maxBytes ?? FILE_TRANSFER_RULES.fetchMaxBytes.default,
        policy.maxBundleBytes,
        TRANSFER_LIMITS.fetchBytes.max,
      ),
      allow: policy.allow,
      deny: policy.deny,
    };
    checkAction(fetchFile(action));
    return this.jobs.createAction(actor, {
      name: dto.name ?? `Fetch ${dto.path}`,
      action,
      rollout: rolloutOf(dto),
      timeoutSeconds: dto.timeoutSeconds ?? FILE_TRANSFER_RULES.timeoutSeconds.default,
      auditAction: 'file_transfers.fetch',
      auditDetails: { path: action.path, maxBytes: action.maxBytes },
    });
  }

  async push(actor: Actor, dto: PushFileDto): Promise<JobResponse> {
    const upload = toUploadResponse(await this.uploadRow(dto.uploadId));
    const policy = await this.settings.get();
    const action: PushFileAction = {
      kind: 'push_file',
      path: dto.path,
      upload: { id: upload.id, sha256: upload.sha256, size: upload.size },
      ...(dto.mode !== undefined ? { mode: parseInt(dto.mode, 8) } : {}),
      ...(dto.owner !== undefined ? { owner: dto.owner } : {}),
      ...(dto.group !== undefined ? { group: dto.group } : {}),
      overwrite: dto.overwrite ?? false,
      allow: policy.allow,
      deny: policy.deny,
    };
    checkAction(pushFile(action));
    return this.jobs.createAction(actor, {
      name: dto.name ?? `Push ${upload.name} to ${dto.path}`,
      action,
      rollout: rolloutOf(dto),
      timeoutSeconds: dto.timeoutSeconds ?? FILE_TRANSFER_RULES.timeoutSeconds.default,
      auditAction: 'file_transfers.push',
      auditDetails: {
        path: action.path,
        upload: { id: upload.id, name: upload.name, sha256: upload.sha256, size: upload.size },
        mode: dto.mode ?? null,
        owner: dto.owner ?? null,
        group: dto.group ?? null,
        overwrite: action.overwrite,
      },
    });
  }

  /**
   * Chunk `seq` of the file a device's push run names, while that run is under way. The
   * highest chunk served is kept as the run's progress.
   */
  async pushChunk(
    deviceId: string,
    runId: string,
    seq: number,
  ): Promise<{ data: Buffer; sha256: string }> {
    const run = await this.jobs.run(runId, 2_147_483_647).catch(() => null);
    if (!run || run.device.id !== deviceId) throw new LogUploadUnknownRunException(runId);
    const job = await this.jobs.getEntity(run.jobId);
    const action = job.action;
    if (action?.kind !== 'push_file') throw new LogUploadUnknownRunException(runId);
    if (!SERVING_STATES.has(run.status)) {
      throw new FileTransferNotFoundException(
        `run ${runId} is ${run.status}; its file is no longer served`,
        HttpStatus.GONE,
      );
    }
    await this.uploadRow(action.upload.id, HttpStatus.GONE);
    const { size, sha256 } = action.upload;
    const chunks = pushChunkCount(size);
    if (seq >= chunks) {
      throw new LogCollectionInvalidException(`the file has ${chunks} chunk(s); ${seq} is past it`);
    }
    const start = seq * TRANSFER_LIMITS.pushChunkBytes;
    const length = Math.max(0, Math.min(TRANSFER_LIMITS.pushChunkBytes, size - start));
    const parts: Buffer[] = [];
    if (length > 0) {
      const stored = await this.store.open(sha256, { start, end: start + length - 1 });
      for await (const part of stored.stream as AsyncIterable<Buffer>) parts.push(part);
    }
    const data = Buffer.concat(parts);
    if (data.length !== length) throw new Error(`stored file ${sha256} is shorter than its size`);
    await this.dataSource.query(
      `INSERT INTO "file_push_progress" ("run_id", "next_seq", "sent_bytes") VALUES ($1, $2, $3)
       ON CONFLICT ("run_id") DO UPDATE SET
         "next_seq" = GREATEST("file_push_progress"."next_seq", EXCLUDED."next_seq"),
         "sent_bytes" = GREATEST("file_push_progress"."sent_bytes", EXCLUDED."sent_bytes"),
         "updated_at" = now()`,
      [runId, seq + 1, start + length],
    );
    return { data, sha256: createHash('sha256').update(data).digest('hex') };
  }

  /** Where each device of a transfer job stands. */
  async status(jobId: string): Promise<FileTransferResponse> {
    const job = await this.jobs.getEntity(jobId);
    const action = job.action;
    if (action?.kind !== 'fetch_file' && action?.kind !== 'push_file') {
      throw new FileTransferNotFoundException(`job ${jobId} is not a file transfer`);
    }
    const runs: RunResponse[] = [];
    for (let page = 1; ; page++) {
      const got = await this.jobs.runs(jobId, { page, pageSize: PAGE_SIZE_MAX });
      runs.push(...got.items);
      if (runs.length >= got.total || got.items.length === 0) break;
    }
    const runIds = runs.map((r) => r.id);
    if (action.kind === 'push_file') {
      const progress =
        runIds.length === 0
          ? []
          : await this.dataSource.query<{ run_id: string; sent_bytes: string }[]>(
              `SELECT "run_id", "sent_bytes" FROM "file_push_progress" WHERE "run_id" = ANY($1)`,
              [runIds],
            );
      const sent = new Map(progress.map((p) => [p.run_id, Number(p.sent_bytes)]));
      return {
        jobId,
        direction: 'push',
        path: action.path,
        runs: runs.map((r): FileTransferRunResponse => ({
          ...runBase(r),
          direction: 'push',
          path: action.path,
          totalBytes: action.upload.size,
          transferredBytes: r.status === 'succeeded' ? action.upload.size : (sent.get(r.id) ?? 0),
          sha256: action.upload.sha256,
          bundleId: null,
          refused: [],
        })),
      };
    }
    const bundles = await this.dataSource.manager.find(LogBundleEntity, { where: { jobId } });
    const files =
      bundles.length === 0
        ? []
        : await this.dataSource.manager.find(LogBundleFileEntity, {
            where: { bundleId: In(bundles.map((b) => b.id)), index: 0 },
          });
    return {
      jobId,
      direction: 'fetch',
      path: action.path,
      runs: runs.map((r): FileTransferRunResponse => {
        const bundle = bundles.find((b) => b.runId === r.id);
        const file = bundle && files.find((f) => f.bundleId === bundle.id);
        return {
          ...runBase(r),
          direction: 'fetch',
          path: action.path,
          totalBytes: file?.size ?? null,
          transferredBytes: file?.receivedBytes ?? 0,
          sha256: file?.sha256 ?? null,
          bundleId: bundle?.id ?? null,
          refused: (bundle?.refused ?? []).map((x) => ({
            path: x.path,
            reason: x.reason,
            message: x.message,
          })),
          error: r.error ?? bundle?.error ?? null,
        };
      }),
    };
  }

  private async uploadRow(id: string, status = HttpStatus.NOT_FOUND): Promise<UploadRow> {
    const [row] = await this.dataSource.query<UploadRow[]>(
      `SELECT "id", "sha256", "size", "name", "created_at", "expires_at" FROM "file_upload"
        WHERE "id" = $1 AND "expires_at" > now()`,
      [id],
    );
    if (!row) throw new FileTransferNotFoundException(`no uploaded file ${id}`, status);
    return row;
  }
}

const runBase = (r: RunResponse) => ({
  runId: r.id,
  deviceId: r.device.id,
  hostname: r.device.hostname,
  status: r.status,
  error: r.error,
});

const rolloutOf = (dto: FetchFileDto | PushFileDto) => ({
  target: dto.target,
  offlineExpirySeconds: dto.offlineExpirySeconds,
  maxConcurrency: dto.maxConcurrency,
  failureThresholdPercent: dto.failureThresholdPercent,
});
