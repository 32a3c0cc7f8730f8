import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  formatPath,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
  logManifest,
  type LogUploadState,
} from '@fleetdesk/protocol';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback } from 'node:zlib';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { JobsService } from '../jobs/jobs.service';
import { BlobStore } from './blob-store';
import { type ChunkAnswer, ChunkCommitter } from './chunk-committer';
import { LogBundleEntity, LogBundleFileEntity } from './log-bundle.entity';
import {
  LogStorageFullException,
  LogUploadInvalidException,
  LogUploadUnknownRunException,
} from './log-collection.exceptions';
import { LogSettingsService } from './log-settings.service';

const gunzip = promisify(gunzipCallback);
export const LOG_BLOB_STORE = Symbol('LOG_BLOB_STORE');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) store: BlobStore,
    private readonly jobs: JobsService,
    private readonly settings: LogSettingsService,
    private readonly audit: AuditService,
  ) {
    this.committer = new ChunkCommitter(dataSource, store);
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
    const existing = await this.dataSource.manager.findOne(LogBundleEntity, { where: { runId } });
    if (existing) {
      if (existing.deviceId !== deviceId) throw new LogUploadUnknownRunException(runId);
      return this.state(existing.id, existing.status === 'complete');
    }
    const { jobId, asked, audit } = await this.collectionRun(deviceId, runId);
    checkManifestFiles(manifest);
    const total = manifest.files.reduce((sum, f) => sum + f.size, 0);
    await this.dataSource.transaction(async (m) => {
      // One bundle at a time decides against the total, so two cannot both squeeze in.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('log_bundle_total'))`);
      const settings = await this.settings.get(m);
      if (total > settings.maxBundleBytes) {
        throw new LogStorageFullException(
          `the bundle holds ${total} bytes, more than the ${settings.maxBundleBytes} allowed per bundle`,
        );
      }
      const [{ used }] = await m.query<{ used: string }[]>(
        `SELECT COALESCE(SUM("total_bytes"), 0)::bigint AS used FROM "log_bundle" WHERE "status" <> 'failed'`,
      );
      if (Number(used) + total > settings.maxTotalBytes) {
        throw new LogStorageFullException(
          `storing ${total} more bytes would pass the ${settings.maxTotalBytes}-byte storage limit (${used} used); the retention sweep frees space`,
          HttpStatus.INSUFFICIENT_STORAGE,
        );
      }
      const inserted = await m.insert(LogBundleEntity, {
        runId,
        jobId,
        deviceId,
        status: manifest.files.length === 0 ? 'complete' : 'uploading',
        totalBytes: total,
        receivedBytes: 0,
        refused: manifest.refused,
        error: null,
        collectedAt: new Date(manifest.collectedAt),
        completedAt: manifest.files.length === 0 ? new Date() : null,
        expiresAt: new Date(Date.now() + settings.retentionDays * 86_400_000),
      });
      const id = (inserted.identifiers[0] as { id: string }).id;
      if (manifest.files.length > 0) {
        await m.insert(
          LogBundleFileEntity,
          manifest.files.map((f) => ({
            bundleId: id,
            index: f.index,
            source: f.source,
            path: f.path,
            realPath: f.realPath,
            size: f.size,
            sha256: f.sha256,
            chunks: f.chunks,
            nextSeq: 0,
            receivedBytes: 0,
            truncated: f.truncated,
            complete: false,
          })),
        );
      }
      await this.audit.record(m, deviceActor(deviceId), {
        action:
          audit === 'log_collections' ? 'log_collections.collected' : 'file_transfers.fetched',
        targetType: 'device',
        targetId: deviceId,
        details: {
          jobId,
          runId,
          bundleId: id,
          asked,
          sent: manifest.files.map((f) => ({
            path: f.path,
            realPath: f.realPath,
            size: f.size,
            sha256: f.sha256,
            truncated: f.truncated,
          })),
          refused: manifest.refused,
        },
      });
      if (manifest.refused.some((r) => r.reason === 'denied' || r.reason === 'not_allowed')) {
        await this.audit.record(m, deviceActor(deviceId), {
          action: `${audit}.refused`,
          targetType: 'device',
          targetId: deviceId,
          details: {
            jobId,
            runId,
            refused: manifest.refused.filter(
              (r) => r.reason === 'denied' || r.reason === 'not_allowed',
            ),
          },
        });
      }
    });
    // A new bundle: every file starts at chunk 0, no need to read that back.
    return {
      complete: manifest.files.length === 0,
      files: manifest.files.map((f) => ({ index: f.index, nextSeq: 0 })),
      chunksPerRequest: LOG_LIMITS.chunksPerRequest,
    };
  }

  /**
   * Chunks `seq`..`seq + count - 1` of file `index`, one gzip of their bytes. An old chunk
   * (already stored) is answered with where the file stands and changes nothing; one from the
   * future likewise (the agent continues from there). Stored by the group commit: answered
   * once the bytes are synced and the resume point committed.
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
    if (createHash('sha256').update(body).digest('hex') !== sha256) {
      // Damaged on the way: the agent sends it again.
      throw new LogUploadInvalidException(
        'the chunk does not match its SHA-256',
        HttpStatus.BAD_REQUEST,
      );
    }
    if (!UUID.test(runId)) throw new LogUploadUnknownRunException(runId);
    const release = await this.committer.admit(count * LOG_LIMITS.chunkBytes);
    try {
      let raw: Buffer;
      try {
        raw = await gunzip(body, { maxOutputLength: count * LOG_LIMITS.chunkBytes });
      } catch {
        throw new LogUploadInvalidException(
          count === 1
            ? 'the chunk is not gzip of at most one chunk of data'
            : `the body is not gzip of at most ${count} chunks of data`,
          HttpStatus.BAD_REQUEST,
        );
      }
      return await this.committer.submit({ deviceId, runId, index, seq, count, raw });
    } finally {
      release();
    }
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

  /** The run must be this device's, of a collect_logs or fetch_file job. */
  private async collectionRun(deviceId: string, runId: string) {
    // Past the last output seq (an integer column): the run without its output.
    const run = await this.jobs.run(runId, 2_147_483_647).catch(() => null);
    if (!run || run.device.id !== deviceId) throw new LogUploadUnknownRunException(runId);
    const job = await this.jobs.getEntity(run.jobId);
    const action = job.action;
    if (action?.kind === 'collect_logs') {
      return { jobId: job.id, asked: action.sources, audit: 'log_collections' };
    }
    // A fetched file rides the same upload: a bundle of one file (a folder as a tar).
    if (action?.kind === 'fetch_file') {
      return {
        jobId: job.id,
        asked: [{ type: 'file', path: action.path }],
        audit: 'file_transfers',
      };
    }
    throw new LogUploadUnknownRunException(runId);
  }
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
