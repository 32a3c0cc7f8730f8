import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type JobResponse,
  LOG_COLLECTION_RULES,
  type LogBundleResponse,
} from '@fleetdesk/api-types';
import { type CollectLogsAction, collectLogs } from '@fleetdesk/protocol';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { DevicesService } from '../devices/devices.service';
import { JobsService } from '../jobs/jobs.service';
import { BlobStore, LOG_BLOB_STORE, LogBlobMissingError } from './blob-store';
import type { CreateLogCollectionDto, LogBundleQueryDto } from './dto/log-collection.dto';
import { checkAction, checkLinePattern, checkSources } from './action-checks';
import { LogBundleEntity, LogBundleFileEntity } from './log-bundle.entity';
import {
  LogBundleNotFoundException,
  LogBundleNotReadyException,
  LogCollectionInvalidException,
  LogFileMissingException,
} from './log-collection.exceptions';
import { LogRetentionService } from './log-retention.service';
import { LogSettingsService } from './log-settings.service';
import { type TarEntry, tarStream } from './tar';

const LIST_LIMIT = 500;

export function toLogBundleResponse(
  b: LogBundleEntity,
  files: LogBundleFileEntity[],
  deviceName: string | null,
): LogBundleResponse {
  return {
    id: b.id,
    jobId: b.jobId,
    runId: b.runId,
    deviceId: b.deviceId,
    deviceName,
    status: b.status,
    totalBytes: b.totalBytes,
    receivedBytes: b.receivedBytes,
    files: files.map((f) => ({
      index: f.index,
      source: f.source,
      path: f.path,
      realPath: f.realPath,
      size: f.size,
      sha256: f.sha256,
      truncated: f.truncated,
      receivedBytes: f.receivedBytes,
      // Readable once checked: a file still being verified is not offered yet.
      complete: f.complete && f.verifiedAt !== null,
    })),
    refused: b.refused,
    error: b.error,
    collectedAt: b.collectedAt.toISOString(),
    receivedAt: b.receivedAt?.toISOString() ?? null,
    completedAt: b.completedAt?.toISOString() ?? null,
    expiresAt: b.expiresAt.toISOString(),
    createdAt: b.createdAt.toISOString(),
  };
}

/**
 * Collections from the technician's side: a collection is a job whose runs carry the
 * `collect_logs` action, with the admin's path policy of the moment inside it (signed, so a
 * device judges paths by exactly the lists the server had); then the bundles the devices
 * uploaded, listed and downloaded (every download audited).
 */
@Injectable()
export class LogCollectionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) private readonly store: BlobStore,
    private readonly jobs: JobsService,
    private readonly settings: LogSettingsService,
    private readonly audit: AuditService,
    private readonly devices: DevicesService,
    private readonly retention: LogRetentionService,
  ) {}

  async create(actor: Actor, dto: CreateLogCollectionDto): Promise<JobResponse> {
    const { name, timeoutSeconds } = dto;
    const rollout = {
      target: dto.target,
      offlineExpirySeconds: dto.offlineExpirySeconds,
      maxConcurrency: dto.maxConcurrency,
      failureThresholdPercent: dto.failureThresholdPercent,
    };
    const policy = await this.settings.get();
    const since = dto.since !== undefined ? Date.parse(dto.since) : undefined;
    const until = dto.until !== undefined ? Date.parse(dto.until) : undefined;
    const action: CollectLogsAction = {
      kind: 'collect_logs',
      sources: dto.sources,
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
      ...(dto.lastLines !== undefined ? { lastLines: dto.lastLines } : {}),
      maxBytesPerSource: Math.min(
        dto.maxBytesPerSource ?? LOG_COLLECTION_RULES.maxBytesPerSource.default,
        policy.maxBundleBytes,
      ),
      maxBundleBytes: policy.maxBundleBytes,
      ...(dto.filter
        ? {
            filter: {
              mode: dto.filter.mode,
              pattern: dto.filter.pattern,
              ...(dto.filter.ignoreCase !== undefined ? { ignoreCase: dto.filter.ignoreCase } : {}),
              timeoutMs:
                (dto.filter.timeoutSeconds ?? LOG_COLLECTION_RULES.filterTimeoutSeconds.default) *
                1000,
            },
          }
        : {}),
      allow: policy.allow,
      deny: policy.deny,
    };
    checkAction(collectLogs(action));
    checkSources(action.sources);
    if (action.filter) checkLinePattern('filter', action.filter);
    const { allow, deny, ...requested } = action;
    return this.jobs.createAction(actor, {
      name:
        name ??
        `Collect logs (${action.sources.length} source${action.sources.length === 1 ? '' : 's'})`,
      action,
      rollout,
      timeoutSeconds: timeoutSeconds ?? LOG_COLLECTION_RULES.timeoutSeconds.default,
      auditAction: 'log_collections.create',
      auditDetails: { ...requested, policy: { allow: allow.length, deny: deny.length } },
    });
  }

  async list(q: LogBundleQueryDto): Promise<LogBundleResponse[]> {
    const bundles = await this.dataSource.manager.find(LogBundleEntity, {
      where: {
        ...(q.jobId ? { jobId: q.jobId } : {}),
        ...(q.deviceId ? { deviceId: q.deviceId } : {}),
        ...(q.runId ? { runId: q.runId } : {}),
      },
      order: { createdAt: 'DESC' },
      take: LIST_LIMIT,
    });
    if (bundles.length === 0) return [];
    const files = await this.dataSource.manager.find(LogBundleFileEntity, {
      where: { bundleId: In(bundles.map((b) => b.id)) },
      order: { index: 'ASC' },
    });
    const names = await this.devices.facetsOf([...new Set(bundles.map((b) => b.deviceId))]);
    return bundles.map((b) =>
      toLogBundleResponse(
        b,
        files.filter((f) => f.bundleId === b.id),
        names.get(b.deviceId)?.name ?? null,
      ),
    );
  }

  async get(id: string): Promise<LogBundleResponse> {
    const { bundle, files } = await this.load(id);
    const names = await this.devices.facetsOf([bundle.deviceId]);
    return toLogBundleResponse(bundle, files, names.get(bundle.deviceId)?.name ?? null);
  }

  /** One stored file, streamed; audited as a download. */
  async openFile(
    actor: Actor,
    id: string,
    index: number,
  ): Promise<{ stream: Readable; size: number; name: string; sha256: string }> {
    const { bundle, files } = await this.load(id);
    const file = files.find((f) => f.index === index);
    if (!file) throw new LogBundleNotFoundException(`file ${index} in bundle ${id}`);
    if (!file.complete || !file.verifiedAt) {
      throw new LogBundleNotReadyException(`file ${index} of bundle ${id}`);
    }
    // Opened before the audit entry: a download that cannot start is not recorded as one.
    const stored = await this.store.openCollected(file).catch((err: unknown) => {
      if (err instanceof LogBlobMissingError) {
        throw new LogFileMissingException(
          `file ${index} of bundle ${id} (${file.sha256}) is missing from the store`,
        );
      }
      throw err;
    });
    try {
      if (stored.size !== file.size) {
        throw new LogFileMissingException(
          `file ${index} of bundle ${id} (${file.sha256}) is stored with ${stored.size} bytes, not ${file.size}`,
        );
      }
      await this.audit.recordAlone(actor, {
        action: 'log_bundles.downloaded',
        targetType: 'device',
        targetId: bundle.deviceId,
        details: { bundleId: id, files: [{ index, path: file.path, sha256: file.sha256 }] },
      });
    } catch (err) {
      // A bucket's answer left unread would hold its connection.
      stored.stream.destroy();
      throw err;
    }
    return {
      stream: stored.stream,
      size: file.size,
      name: entryName(file),
      sha256: file.sha256,
    };
  }

  /** The whole bundle as a .tar.gz (the caller gzips the stream); audited as a download. */
  async archive(
    actor: Actor,
    id: string,
  ): Promise<{ chunks: AsyncIterable<Buffer>; name: string }> {
    const { bundle, files } = await this.load(id);
    if (bundle.status !== 'complete') throw new LogBundleNotReadyException(`bundle ${id}`);
    await this.audit.recordAlone(actor, {
      action: 'log_bundles.downloaded',
      targetType: 'device',
      targetId: bundle.deviceId,
      details: {
        bundleId: id,
        archive: true,
        files: files.map((f) => ({ index: f.index, path: f.path, sha256: f.sha256 })),
      },
    });
    const prefix = `bundle-${bundle.id.slice(0, 8)}`;
    const entries: TarEntry[] = files.map((f) => ({
      name: `${prefix}/${entryName(f)}`,
      size: f.size,
      mtime: bundle.collectedAt,
      open: async () => (await this.store.openCollected(f)).stream,
    }));
    return { chunks: tarStream(entries), name: `${prefix}.tar.gz` };
  }

  /**
   * Several whole bundles in one .tar.gz (the caller gzips the stream), each under its own
   * `bundle-…` folder; every bundle must be complete, and each is audited as a download exactly
   * as a single one is. The files are opened one at a time while the archive is read, so the
   * size of the download never sits in memory.
   */
  async archiveMany(
    actor: Actor,
    ids: string[],
  ): Promise<{ chunks: AsyncIterable<Buffer>; name: string }> {
    const unique = [...new Set(ids)];
    const max = LOG_COLLECTION_RULES.archiveBundles;
    if (unique.length === 0 || unique.length > max) {
      throw new LogCollectionInvalidException(`ids must name 1 to ${max} bundles`);
    }
    const bundles = await this.dataSource.manager.find(LogBundleEntity, {
      where: { id: In(unique) },
    });
    const found = new Map(bundles.map((b) => [b.id, b]));
    const missing = unique.find((id) => !found.has(id));
    if (missing) throw new LogBundleNotFoundException(missing);
    const unready = bundles.find((b) => b.status !== 'complete');
    if (unready) throw new LogBundleNotReadyException(`bundle ${unready.id}`);
    const files = await this.dataSource.manager.find(LogBundleFileEntity, {
      where: { bundleId: In(unique) },
      order: { index: 'ASC' },
    });
    const ordered = unique.map((id) => found.get(id)!);
    await this.dataSource.transaction((m) =>
      this.audit.recordMany(
        m,
        ordered.map((b) => ({
          actor,
          entry: {
            action: 'log_bundles.downloaded',
            targetType: 'device',
            targetId: b.deviceId,
            details: {
              bundleId: b.id,
              archive: true,
              together: unique.length,
              files: files
                .filter((f) => f.bundleId === b.id)
                .map((f) => ({ index: f.index, path: f.path, sha256: f.sha256 })),
            },
          },
        })),
      ),
    );
    const entries: TarEntry[] = ordered.flatMap((b) =>
      files
        .filter((f) => f.bundleId === b.id)
        .map((f) => ({
          name: `bundle-${b.id.slice(0, 8)}/${entryName(f)}`,
          size: f.size,
          mtime: b.collectedAt,
          open: async () => (await this.store.openCollected(f)).stream,
        })),
    );
    const day = new Date().toISOString().slice(0, 10);
    return { chunks: tarStream(entries), name: `log-bundles-${day}-${unique.length}.tar.gz` };
  }

  /**
   * Deletes a bundle in any state (audited with its files), the partial uploads this node
   * holds for it, and the stored files no other bundle or upload names: a file two bundles
   * share stays until the second goes.
   */
  async remove(actor: Actor, id: string): Promise<void> {
    const { bundle, files } = await this.load(id);
    await this.dataSource.transaction(async (m) => {
      const rows = await m.query<[unknown[], number] | unknown[]>(
        `DELETE FROM "log_bundle" WHERE "id" = $1 RETURNING "id"`,
        [id],
      );
      const deleted = Array.isArray(rows[0]) ? rows[0] : rows;
      if (deleted.length === 0) throw new LogBundleNotFoundException(id);
      await this.audit.record(m, actor, {
        action: 'log_bundles.deleted',
        targetType: 'device',
        targetId: bundle.deviceId,
        details: {
          bundleId: id,
          jobId: bundle.jobId,
          runId: bundle.runId,
          status: bundle.status,
          files: files.map((f) => ({ index: f.index, path: f.path, sha256: f.sha256 })),
        },
      });
    });
    await this.store.removePartials(id);
    await this.retention.removeUnusedBlobs(files.map((f) => f.storedSha256 ?? f.sha256));
  }

  private async load(id: string) {
    const bundle = await this.dataSource.manager.findOne(LogBundleEntity, { where: { id } });
    if (!bundle) throw new LogBundleNotFoundException(id);
    const files = await this.dataSource.manager.find(LogBundleFileEntity, {
      where: { bundleId: id },
      order: { index: 'ASC' },
    });
    return { bundle, files };
  }
}

/** `003-syslog`: unique in the bundle, recognisable, safe as a file name anywhere. */
const entryName = (f: LogBundleFileEntity): string => {
  const base = basename(f.path.replace(/\\/g, '/')).replace(/[^A-Za-z0-9._-]/g, '_') || 'log';
  return `${String(f.index).padStart(3, '0')}-${base.slice(0, 80)}`;
};
