import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type BundleSearchResult,
  type JobResponse,
  LOG_SEARCH_DEVICE_STATES,
  LOG_SEARCH_RULES,
  type LogSearchDeviceResult,
  type LogSearchDeviceState,
  type LogSearchResponse,
  PAGE_SIZE_MAX,
  type RunResponse,
  type SearchBundlesResponse,
} from '@fleetdesk/api-types';
import {
  FilterTimeout,
  formatPath,
  type LogFilter,
  lineMatcher,
  MatchCollector,
  type SearchLogsAction,
  searchLines,
  searchLogs,
  searchResultBody,
  type SearchResultBody,
} from '@fleetdesk/protocol';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { DevicesService } from '../devices/devices.service';
import { JobsService } from '../jobs/jobs.service';
import type { StoredObject } from '../object-store/object-store';
import { BlobStore, LOG_BLOB_STORE, LogBlobMissingError } from './blob-store';
import type { CreateLogSearchDto, SearchBundlesDto } from './dto/log-search.dto';
import { checkAction, checkLinePattern, checkSources } from './action-checks';
import { LogBundleEntity, LogBundleFileEntity } from './log-bundle.entity';
import {
  LogCollectionInvalidException,
  LogFileMissingException,
  LogUploadInvalidException,
  LogUploadUnknownRunException,
} from './log-collection.exceptions';
import { LogSettingsService } from './log-settings.service';

const FAILED = new Set(['failed', 'timed_out', 'lost', 'expired', 'cancelled']);

const deviceActor = (deviceId: string): Actor => ({
  kind: 'device',
  userId: deviceId,
  email: null,
  role: null,
  ip: null,
});

/**
 * Fleet search. A search is a job whose runs carry `search_logs` (the admin's path lists
 * inside, signed); each device answers with one result document, stored once per run. The
 * view groups by device: matched, no match, offline (its run waits for it to connect),
 * pending, failed. Stored bundles are searched here with the same line matcher the agents
 * run (a regex in a worker under a time limit) and the same match-with-context collector.
 */
@Injectable()
export class LogSearchService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(LOG_BLOB_STORE) private readonly store: BlobStore,
    private readonly jobs: JobsService,
    private readonly devices: DevicesService,
    private readonly settings: LogSettingsService,
    private readonly audit: AuditService,
  ) {}

  async create(actor: Actor, dto: CreateLogSearchDto): Promise<JobResponse> {
    const policy = await this.settings.get();
    const action: SearchLogsAction = {
      kind: 'search_logs',
      sources: dto.sources,
      query: toFilter(dto.query),
      ...window(dto),
      context: dto.context ?? LOG_SEARCH_RULES.context.default,
      maxMatches: dto.maxMatches ?? LOG_SEARCH_RULES.maxMatches.default,
      allow: policy.allow,
      deny: policy.deny,
    };
    checkAction(searchLogs(action));
    checkSources(action.sources);
    checkLinePattern('query', action.query);
    const { allow, deny, ...asked } = action;
    return this.jobs.createAction(actor, {
      name: dto.name ?? `Search logs for ${JSON.stringify(action.query.pattern).slice(0, 80)}`,
      action,
      rollout: {
        target: dto.target,
        offlineExpirySeconds: dto.offlineExpirySeconds,
        maxConcurrency: dto.maxConcurrency,
        failureThresholdPercent: dto.failureThresholdPercent,
      },
      timeoutSeconds: dto.timeoutSeconds ?? LOG_SEARCH_RULES.jobTimeoutSeconds.default,
      auditAction: 'log_searches.create',
      auditDetails: { ...asked, policy: { allow: allow.length, deny: deny.length } },
    });
  }

  /** A device's result; a repeat of the same run's result changes nothing. */
  async result(deviceId: string, runId: string, body: unknown): Promise<{ stored: boolean }> {
    const check = searchResultBody(body);
    if (!check.ok) {
      throw new LogUploadInvalidException(
        `result ${formatPath(['result', ...check.path])}: ${check.reason}`,
      );
    }
    const result = check.value;
    if (result.runId !== runId) {
      throw new LogUploadInvalidException('the result names another run than the URL');
    }
    const run = await this.jobs.run(runId, 2_147_483_647).catch(() => null);
    if (!run || run.device.id !== deviceId) throw new LogUploadUnknownRunException(runId);
    const job = await this.jobs.getEntity(run.jobId);
    if (job.action?.kind !== 'search_logs') throw new LogUploadUnknownRunException(runId);
    const matchCount = result.files.reduce((n, f) => n + f.matchCount, 0);
    return this.dataSource.transaction(async (m) => {
      const inserted = await m.query<{ run_id: string }[]>(
        `INSERT INTO "log_search_result" ("run_id", "job_id", "device_id", "match_count", "truncated", "result")
         VALUES ($1, $2, $3, $4, $5, $6::jsonb) ON CONFLICT ("run_id") DO NOTHING RETURNING "run_id"`,
        [runId, job.id, deviceId, matchCount, result.truncated, JSON.stringify(result)],
      );
      const stored = (Array.isArray(inserted[0]) ? inserted[0] : inserted).length > 0;
      if (stored) {
        await this.audit.record(m, deviceActor(deviceId), {
          action: 'log_searches.searched',
          targetType: 'device',
          targetId: deviceId,
          details: {
            jobId: job.id,
            runId,
            searched: result.files.map((f) => ({ path: f.path, matchCount: f.matchCount })),
            refused: result.refused,
            matchCount,
          },
        });
      }
      return { stored };
    });
  }

  async get(jobId: string): Promise<LogSearchResponse> {
    const job = await this.jobs.getEntity(jobId);
    if (job.action?.kind !== 'search_logs') {
      throw new LogUploadUnknownRunException(`${jobId} (not a log search)`);
    }
    const runs: RunResponse[] = [];
    for (let page = 1; ; page++) {
      const got = await this.jobs.runs(jobId, { page, pageSize: PAGE_SIZE_MAX });
      runs.push(...got.items);
      if (runs.length >= got.total || got.items.length === 0) break;
    }
    const rows = await this.dataSource.query<{ run_id: string; result: SearchResultBody }[]>(
      `SELECT "run_id", "result" FROM "log_search_result" WHERE "job_id" = $1`,
      [jobId],
    );
    const results = new Map(rows.map((r) => [r.run_id, r.result]));
    const devices: LogSearchDeviceResult[] = [];
    for (const run of runs) {
      const result = results.get(run.id);
      const matchCount = result?.files.reduce((n, f) => n + f.matchCount, 0) ?? 0;
      let state: LogSearchDeviceState;
      if (result) state = matchCount > 0 ? 'matched' : 'no_match';
      else if (FAILED.has(run.status) || run.status === 'succeeded') state = 'failed';
      else state = (await this.online(run.device.id)) ? 'pending' : 'offline';
      devices.push({
        deviceId: run.device.id,
        hostname: run.device.hostname,
        runId: run.id,
        runStatus: run.status,
        state,
        matchCount,
        truncated: result?.truncated ?? false,
        files: (result?.files ?? []).map((f) => ({
          path: f.path,
          matchCount: f.matchCount,
          matches: f.matches,
        })),
        refused: (result?.refused ?? []).map((r) => ({
          path: r.path,
          reason: r.reason,
          message: r.message,
        })),
        error: run.error,
      });
    }
    const counts = Object.fromEntries(LOG_SEARCH_DEVICE_STATES.map((s) => [s, 0])) as Record<
      LogSearchDeviceState,
      number
    >;
    for (const d of devices) counts[d.state] += 1;
    return {
      jobId,
      counts,
      matchCount: devices.reduce((n, d) => n + d.matchCount, 0),
      devices,
    };
  }

  /** Searches stored bundles' complete files on the server (audited: who searched what). */
  async searchBundles(actor: Actor, dto: SearchBundlesDto): Promise<SearchBundlesResponse> {
    if (!dto.bundleIds?.length && !dto.jobId && !dto.deviceId) {
      throw new LogCollectionInvalidException('name the bundles: bundleIds, jobId or deviceId');
    }
    const query = toFilter(dto.query);
    checkLinePattern('query', query);
    const bundles = await this.dataSource.manager.find(LogBundleEntity, {
      where: {
        ...(dto.bundleIds?.length ? { id: In(dto.bundleIds) } : {}),
        ...(dto.jobId ? { jobId: dto.jobId } : {}),
        ...(dto.deviceId ? { deviceId: dto.deviceId } : {}),
      },
      order: { createdAt: 'DESC' },
      take: LOG_SEARCH_RULES.bundles,
    });
    const files =
      bundles.length === 0
        ? []
        : await this.dataSource.manager.find(LogBundleFileEntity, {
            // Only files checked against their manifest are searched.
            where: {
              bundleId: In(bundles.map((b) => b.id)),
              complete: true,
              verifiedAt: Not(IsNull()),
            },
            order: { index: 'ASC' },
          });
    const { since, until } = window(dto);
    const budget = { left: dto.maxMatches ?? LOG_SEARCH_RULES.maxMatches.default };
    const context = dto.context ?? LOG_SEARCH_RULES.context.default;
    const out: BundleSearchResult[] = [];
    for (const bundle of bundles) {
      const result: BundleSearchResult = {
        bundleId: bundle.id,
        deviceId: bundle.deviceId,
        matchCount: 0,
        files: [],
      };
      for (const file of files.filter((f) => f.bundleId === bundle.id)) {
        const matcher = lineMatcher(query);
        let stored: StoredObject | undefined;
        try {
          const collector = new MatchCollector(context, budget);
          stored = await this.store.openCollected(file);
          await searchLines(stored.stream, { matcher, collector, since, until });
          result.files.push({
            index: file.index,
            path: file.path,
            matchCount: collector.matchCount,
            matches: collector.matches,
          });
          result.matchCount += collector.matchCount;
        } catch (err) {
          if (err instanceof FilterTimeout) throw new LogCollectionInvalidException(err.message);
          if (err instanceof LogBlobMissingError) {
            throw new LogFileMissingException(
              `file ${file.index} of bundle ${bundle.id} (${file.sha256}) is missing from the store`,
            );
          }
          throw err;
        } finally {
          // A bucket's answer not read to its end would hold its connection.
          stored?.stream.destroy();
          await matcher.close();
        }
      }
      out.push(result);
    }
    const matchCount = out.reduce((n, b) => n + b.matchCount, 0);
    await this.audit.recordAlone(actor, {
      action: 'log_bundles.searched',
      targetType: 'log_bundle',
      details: {
        bundleIds: bundles.map((b) => b.id),
        query: { mode: query.mode, pattern: query.pattern, ignoreCase: query.ignoreCase ?? false },
        matchCount,
      },
    });
    return {
      matchCount,
      truncated: out.some((b) => b.files.some((f) => f.matchCount > f.matches.length)),
      bundles: out,
    };
  }

  private async online(deviceId: string): Promise<boolean> {
    const device = await this.devices.get(deviceId).catch(() => null);
    return device?.status === 'online';
  }
}

function toFilter(q: CreateLogSearchDto['query']): LogFilter {
  return {
    mode: q.mode,
    pattern: q.pattern,
    ...(q.ignoreCase !== undefined ? { ignoreCase: q.ignoreCase } : {}),
    timeoutMs: (q.timeoutSeconds ?? LOG_SEARCH_RULES.timeoutSeconds.default) * 1000,
  };
}

function window(dto: { since?: string; until?: string }): { since?: number; until?: number } {
  return {
    ...(dto.since !== undefined ? { since: Date.parse(dto.since) } : {}),
    ...(dto.until !== undefined ? { until: Date.parse(dto.until) } : {}),
  };
}
