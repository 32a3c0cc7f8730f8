import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { EnvVar, RunAction, ScriptLanguage, SoftwareAction } from '@fleetdesk/protocol';
import { createHash, randomUUID } from 'node:crypto';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import {
  type DeviceRunResponse,
  type JobAction,
  type JobResponse,
  type JobSoftwareSpec,
  type JobStatus,
  OPEN_RUN_STATES,
  type Page,
  type RunCounts,
  type RunDetailResponse,
  type RunResponse,
  type RunState,
  roleAtLeast,
  UNSUCCESSFUL_RUN_STATES,
} from '@fleetdesk/api-types';
import { DevicesService } from '../devices/devices.service';
import { isEmptyTarget } from '../devices/dto/target.dto';
import { ScriptsService } from '../scripts/scripts.service';
import { SecretBox } from '../secrets/secret-box';
import { DispatcherService, type SoftwareRunListener } from './dispatcher.service';
import type { CreateJobDto, DeviceRunQueryDto, JobQueryDto, RunQueryDto } from './dto/job.dto';
import { JobEvents } from './job-events';
import { openJobEnv, sealJobEnv } from './job-env';
import { JobEntity } from './job.entity';
import {
  ActionNeedsAdminException,
  JobNotFoundException,
  JobNotRunningException,
  JobSpecInvalidException,
  JobTargetEmptyException,
  NothingToRerunException,
  RunNotFoundException,
} from './jobs.exceptions';
import { emptyCounts, sqlList } from './run-states';
import { RunStore, type RunTiming, type RunWithDevice } from './run-store';

const DEFAULT_TIMEOUT_S = 300;

/** The schedule occurrence a job was created for (see `createForOccurrence`). */
export interface JobOrigin {
  scheduleId: string;
  occurrenceAt: Date;
  /** The IANA zone the occurrence was computed in. */
  zone: string;
  deviceIds: string[];
  /** Runs that wait (a maintenance window, a spread) or expire otherwise than the job's expiry. */
  runTiming?: ReadonlyMap<string, RunTiming>;
}

/** A template resolved by `prepare()`, for `createForOccurrence()`. */
export interface PreparedJob {
  readonly spec: JobSpec;
}

/** What a job sends: a script (language, body, env, args) or a typed action. */
interface JobSpec {
  name: string;
  scriptId: string | null;
  scriptVersion: number | null;
  language: ScriptLanguage | null;
  action: RunAction | null;
  body: string;
  sha256: string;
  env: EnvVar[];
  args: string[];
  params: Record<string, unknown>;
  defaultTimeoutSeconds: number;
  /** Added to the job's audit entry (a deployment's package, version or installer hash). */
  auditDetails?: Record<string, unknown>;
}

/** The job fields besides what it sends: where, how fast, how long. */
export type JobRollout = Omit<CreateJobDto, 'script' | 'command' | 'software'>;

/**
 * Turns the `software` part of a job request into the signed action and the job's name and
 * audit details. Registered by the software module (the jobs module does not import it), so
 * `POST /api/jobs` can take a deployment in place of a script.
 */
export interface SoftwareSpecResolver {
  resolve(spec: JobSoftwareSpec): Promise<{
    action: SoftwareAction;
    name: string;
    auditDetails: Record<string, unknown>;
  }>;
}

/** A package change may download and wait for a manager's lock: 30 minutes by default. */
const SOFTWARE_TIMEOUT_S = 1800;

/** An action job as another feature starts it (agent updates); audited under `auditAction`. */
export interface ActionJobInput {
  name: string;
  action: RunAction;
  rollout: JobRollout;
  timeoutSeconds: number;
  auditAction: string;
  auditDetails: Record<string, unknown>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** A job sends a saved script, an inline command or a software action: exactly one. */
function requireOneSpec(dto: CreateJobDto): void {
  if ([dto.script, dto.command, dto.software].filter(Boolean).length !== 1)
    throw new JobSpecInvalidException(
      'Give exactly one of `script` (a saved script), `command` (an inline one) or `software` (a deployment)',
    );
}

/** The action as the console shows it; a software action's fields are all there is to show. */
function toJobAction(action: RunAction): JobAction {
  if (action.kind === 'agent_update') return { kind: action.kind, version: action.version };
  if (action.kind === 'collect_logs') return { kind: action.kind, sources: action.sources.length };
  if (action.kind === 'fetch_file' || action.kind === 'push_file')
    return { kind: action.kind, path: action.path };
  if (action.kind === 'search_logs')
    return {
      kind: action.kind,
      sources: action.sources.length,
      pattern: action.query.pattern,
      patternMode: action.query.mode,
      ignoreCase: action.query.ignoreCase ?? false,
    };
  return {
    kind: 'software',
    operation: action.operation,
    packages: action.packages,
    ...(action.securityOnly === undefined ? {} : { securityOnly: action.securityOnly }),
    ...(action.installer
      ? {
          installer: {
            id: action.installer.id,
            type: action.installer.type,
            sha256: action.installer.sha256,
            size: action.installer.size,
          },
        }
      : {}),
  };
}

/** An empty target is refused, never read as "every device" (that needs `all: true`). */
function requireTarget(target: CreateJobDto['target']): void {
  if (isEmptyTarget(target))
    throw new JobSpecInvalidException(
      'The target is empty: give all, deviceIds, tags, groupIds or os',
    );
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toRunResponse(r: RunWithDevice): RunResponse {
  return {
    id: r.id,
    jobId: r.job_id,
    device: { id: r.device_id, hostname: r.hostname, displayName: r.name ?? r.hostname },
    status: r.status,
    createdAt: new Date(r.created_at).toISOString(),
    expiresAt: new Date(r.expires_at).toISOString(),
    dispatchedAt: iso(r.dispatched_at),
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    // Exit codes are within ±2^32 (the protocol's bound), so a number holds them exactly.
    exitCode: r.exit_code === null ? null : Number(r.exit_code),
    signal: r.signal,
    error: r.error,
    outputBytes: Number(r.output_bytes),
    truncated: r.truncated,
    lastSeq: r.last_seq,
    software: r.software ?? null,
  };
}

export function toJobResponse(j: JobEntity, counts: RunCounts): JobResponse {
  return {
    id: j.id,
    name: j.name,
    status: j.status,
    script: j.scriptId && j.scriptVersion ? { id: j.scriptId, version: j.scriptVersion } : null,
    language: j.language,
    action: j.action ? toJobAction(j.action) : null,
    bodySha256: j.bodySha256,
    params: j.params,
    target: j.target,
    timeoutSeconds: j.timeoutMs / 1000,
    offlineExpirySeconds: j.offlineExpiryMs / 1000,
    maxConcurrency: j.maxConcurrency,
    failureThresholdPercent: j.failureThresholdPercent,
    rerunOf: j.rerunOf,
    createdBy: { id: j.createdBy, email: j.createdByEmail },
    createdAt: j.createdAt.toISOString(),
    finishedAt: j.finishedAt?.toISOString() ?? null,
    stopReason: j.stopReason,
    counts,
  };
}

/**
 * Technician intents: a job and all its runs are committed together, before anything is
 * sent; the dispatcher then delivers them. Also owns cancel and re-run.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobsService.name);
  private softwareResolver: SoftwareSpecResolver | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly scripts: ScriptsService,
    private readonly events: JobEvents,
    private readonly box: SecretBox,
    private readonly runStore: RunStore,
    private readonly devices: DevicesService,
    private readonly dispatcher: DispatcherService,
  ) {}

  /** The software module plugs its catalogue in here (see SoftwareSpecResolver). */
  useSoftwareResolver(resolver: SoftwareSpecResolver): void {
    this.softwareResolver = resolver;
  }

  /**
   * Runs not yet final whose job installs this uploaded installer: the software module
   * refuses to delete an installer a device may still fetch.
   */
  async openRunsUsingInstaller(installerId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM job_run r JOIN job j ON j.id = r.job_id
       WHERE r.status IN (${sqlList(OPEN_RUN_STATES)}) AND j.action->>'kind' = 'software'
         AND j.action->'installer'->>'id' = $1`,
      [installerId],
    );
    return row?.n ?? 0;
  }

  /** Hears each software run as it ends (see DispatcherService.onSoftwareRunFinished). */
  onSoftwareRunFinished(listener: SoftwareRunListener): void {
    this.dispatcher.onSoftwareRunFinished(listener);
  }

  async onApplicationBootstrap(): Promise<void> {
    const sealed = await this.sealPlainEnv();
    if (sealed > 0) this.logger.log(`Sealed the parameters of ${sealed} job(s)`);
  }

  /**
   * Jobs written before env was sealed get it sealed in place, secret flags taken from their
   * script version. Each row is updated only while still unsealed, so replicas starting
   * together seal it once.
   */
  async sealPlainEnv(): Promise<number> {
    let sealed = 0;
    for (;;) {
      const rows = await this.dataSource.query<
        (Pick<JobEntity, 'id' | 'env' | 'args'> & {
          script_id: string | null;
          script_version: number | null;
        })[]
      >(
        `SELECT id, env, args, script_id, script_version FROM job
         WHERE sealed_env IS NULL AND (env <> '[]'::jsonb OR args <> '[]'::jsonb)
         ORDER BY id LIMIT 500`,
      );
      if (rows.length === 0) return sealed;
      for (const row of rows) {
        const secret =
          row.script_id && row.script_version
            ? await this.scripts.secretParameterNames(row.script_id, row.script_version)
            : new Set<string>();
        const env: EnvVar[] = row.env.map(({ name, value }) =>
          secret.has(name) ? { name, value, secret: true } : { name, value },
        );
        const [, count] = await this.dataSource.query<[unknown, number]>(
          `UPDATE job SET sealed_env = $2, env = '[]'::jsonb, args = '[]'::jsonb
           WHERE id = $1 AND sealed_env IS NULL`,
          [row.id, sealJobEnv(this.box, row.id, { env, args: row.args })],
        );
        sealed += count;
      }
    }
  }

  async create(actor: Actor, dto: CreateJobDto, rerunOf?: JobEntity): Promise<JobResponse> {
    if (!rerunOf) requireOneSpec(dto);
    const spec = rerunOf ? this.specOf(rerunOf) : await this.resolveSpec(dto);
    return this.createJob(actor, dto, spec, rerunOf);
  }

  /**
   * A job that carries a typed action instead of a script: same runs, rollout, dispatch and
   * audit as any job. The caller has checked who may start it.
   */
  createAction(actor: Actor, input: ActionJobInput): Promise<JobResponse> {
    const body = JSON.stringify(input.action);
    return this.createJob(
      actor,
      { ...input.rollout, timeoutSeconds: input.timeoutSeconds },
      {
        name: input.name,
        scriptId: null,
        scriptVersion: null,
        language: null,
        action: input.action,
        body,
        sha256: sha256(body),
        env: [],
        args: [],
        params: {},
        defaultTimeoutSeconds: input.timeoutSeconds,
      },
      undefined,
      { action: input.auditAction, details: input.auditDetails },
    );
  }

  private async createJob(
    actor: Actor,
    dto: JobRollout,
    spec: JobSpec,
    rerunOf?: JobEntity,
    audit?: { action: string; details: Record<string, unknown> },
  ): Promise<JobResponse> {
    const job = await this.dataSource.transaction(async (m) => {
      const deviceIds = await this.devices.resolveTarget(dto.target, m);
      return this.insertJob(m, actor, dto, spec, deviceIds, { rerunOf, audit });
    });
    this.announce(job.id);
    return this.get(job.id);
  }

  /**
   * For a trusted internal caller (the scheduler): the job of one schedule occurrence,
   * written through the caller's transaction so its claim on the occurrence and the job
   * commit together. `deviceIds` are the devices the caller resolved from `dto.target` at
   * fire time (for a device-local schedule, those in one zone). The job records its origin;
   * a unique index on it makes a second job for the same occurrence impossible. Call
   * `announce()` after the commit.
   */
  async createForOccurrence(
    m: EntityManager,
    actor: Actor,
    dto: CreateJobDto,
    prepared: PreparedJob,
    origin: JobOrigin,
  ): Promise<string> {
    const job = await this.insertJob(m, actor, dto, prepared.spec, origin.deviceIds, { origin });
    return job.id;
  }

  /**
   * Resolves a template's script (and checks its parameters) before the caller opens the
   * transaction that calls `createForOccurrence`: that reads other tables, and the embedded
   * engine serves one connection, which the caller's transaction would hold.
   */
  async prepare(dto: CreateJobDto): Promise<PreparedJob> {
    requireOneSpec(dto);
    return { spec: await this.resolveSpec(dto) };
  }

  /** Validates a job template without creating anything (what `create` would refuse). */
  async checkTemplate(dto: CreateJobDto): Promise<void> {
    requireOneSpec(dto);
    requireTarget(dto.target);
    await this.resolveSpec(dto);
  }

  /** Tells the console and the dispatcher about committed jobs. */
  announce(jobId: string): void {
    this.events.emit('job.changed', { jobId });
    // A dispatch pass signs runs synchronously, so callers do not wait for it.
    this.dispatcher.kick();
  }

  private async insertJob(
    m: EntityManager,
    actor: Actor,
    dto: JobRollout,
    spec: JobSpec,
    deviceIds: string[],
    opts: {
      rerunOf?: JobEntity;
      origin?: JobOrigin;
      /** Another feature's audit action and details for the job it starts (agent updates). */
      audit?: { action: string; details: Record<string, unknown> };
    } = {},
  ): Promise<JobEntity> {
    const { rerunOf, origin, audit } = opts;
    const timeoutMs = (dto.timeoutSeconds ?? spec.defaultTimeoutSeconds) * 1000;
    requireTarget(dto.target);
    if (deviceIds.length === 0) throw new JobTargetEmptyException();
    // The id is chosen here because the sealed env is bound to it.
    const id = randomUUID();
    const saved = await m.save(
      JobEntity,
      m.create(JobEntity, {
        id,
        name: dto.name ?? rerunOf?.name ?? spec.name,
        status: 'running',
        scriptId: spec.scriptId,
        scriptVersion: spec.scriptVersion,
        language: spec.language,
        action: spec.action,
        body: spec.body,
        bodySha256: spec.sha256,
        params: spec.params,
        env: [],
        args: [],
        sealedEnv: sealJobEnv(this.box, id, { env: spec.env, args: spec.args }),
        target: dto.target,
        timeoutMs,
        offlineExpiryMs: dto.offlineExpirySeconds * 1000,
        maxConcurrency: dto.maxConcurrency ?? null,
        failureThresholdPercent: dto.failureThresholdPercent ?? null,
        totalRuns: deviceIds.length,
        rerunOf: rerunOf?.id ?? null,
        createdBy: actor.userId,
        createdByEmail: actor.email,
        scheduleId: origin?.scheduleId ?? null,
        occurrenceAt: origin?.occurrenceAt ?? null,
        occurrenceZone: origin?.zone ?? null,
      }),
    );
    await this.runStore.insert(m, saved.id, deviceIds, saved.offlineExpiryMs, origin?.runTiming);
    await this.audit.record(m, actor, {
      action: rerunOf ? 'jobs.rerun' : (audit?.action ?? 'jobs.create'),
      targetType: 'job',
      targetId: saved.id,
      details: {
        ...(rerunOf ? { rerunOf: rerunOf.id } : {}),
        ...(origin
          ? {
              schedule: {
                id: origin.scheduleId,
                occurrenceAt: origin.occurrenceAt.toISOString(),
                zone: origin.zone,
              },
            }
          : {}),
        target: dto.target,
        runs: deviceIds.length,
        script: spec.scriptId ? { id: spec.scriptId, version: spec.scriptVersion } : null,
        language: spec.language,
        ...(spec.action ? { action: toJobAction(spec.action) } : {}),
        sha256: spec.sha256,
        params: spec.params,
        ...spec.auditDetails,
        ...audit?.details,
      },
    });
    return saved;
  }

  async list(q: JobQueryDto): Promise<Page<JobResponse>> {
    const repo = this.dataSource.getRepository(JobEntity);
    const [jobs, total] = await repo.findAndCount({
      where: q.status ? { status: q.status } : {},
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    const counts = await this.runStore.counts(jobs.map((j) => j.id));
    return {
      items: jobs.map((j) => toJobResponse(j, counts.get(j.id) ?? emptyCounts())),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /** Status and run counts of the given jobs, in two queries (ids that do not exist are left out). */
  async summaries(ids: string[]): Promise<Map<string, { status: JobStatus; counts: RunCounts }>> {
    if (ids.length === 0) return new Map();
    const jobs = await this.dataSource
      .getRepository(JobEntity)
      .find({ where: { id: In(ids) }, select: { id: true, status: true } });
    const counts = await this.runStore.counts(jobs.map((j) => j.id));
    return new Map(
      jobs.map((j) => [j.id, { status: j.status, counts: counts.get(j.id) ?? emptyCounts() }]),
    );
  }

  async get(id: string): Promise<JobResponse> {
    // Side by side: a console polls this while the job fans out, when every sequential round
    // trip also waits for a turn of a busy event loop.
    const [job, counts] = await Promise.all([this.getEntity(id), this.runStore.counts([id])]);
    return toJobResponse(job, counts.get(id) ?? emptyCounts());
  }

  async runs(jobId: string, q: RunQueryDto): Promise<Page<RunResponse>> {
    await this.getEntity(jobId);
    const { rows, total } = await this.runStore.pageOfJob(jobId, q);
    return { items: rows.map(toRunResponse), total, page: q.page, pageSize: q.pageSize };
  }

  /**
   * One device's runs across every job, newest first, each with its job's id and name. An
   * unknown device has no runs: an empty page, not a 404.
   */
  async deviceRuns(q: DeviceRunQueryDto): Promise<Page<DeviceRunResponse>> {
    const { rows, total } = await this.runStore.pageOfDevice(q.deviceId, q);
    return {
      items: rows.map((r) => ({ ...toRunResponse(r), job: { id: r.job_id, name: r.job_name } })),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async run(id: string, afterSeq: number): Promise<RunDetailResponse> {
    const row = await this.runStore.find(id);
    if (!row) throw new RunNotFoundException(id);
    const output = await this.runStore.output(id, afterSeq);
    return { ...toRunResponse(row), output };
  }

  /** Pending runs end now; runs already on a device get a cancel from the dispatcher. */
  async cancel(actor: Actor, id: string): Promise<JobResponse> {
    const inFlight = await this.dataSource.transaction(async (m) => {
      const job = await m.findOne(JobEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!job) throw new JobNotFoundException(id);
      if (job.status !== 'running') throw new JobNotRunningException(id, job.status);
      await m.update(
        JobEntity,
        { id },
        {
          status: 'cancelled',
          finishedAt: () => 'now()',
          stopReason: `cancelled by ${actor.email ?? 'system'}`,
        },
      );
      const cancelled = await this.runStore.cancel([id], 'cancelled before it was sent', m);
      const open = await this.runStore.onDevices(id, m);
      await this.audit.record(m, actor, {
        action: 'jobs.cancel',
        targetType: 'job',
        targetId: id,
        details: {
          sha256: job.bodySha256,
          pendingCancelled: cancelled.length,
          inFlight: open.length,
        },
      });
      return open.map((r) => ({ runId: r.id, deviceId: r.device_id }));
    });
    this.events.emit('job.changed', { jobId: id });
    const cancelled = await this.get(id);
    this.dispatcher.cancelRuns(inFlight);
    return cancelled;
  }

  async rerun(actor: Actor, id: string, scope: 'failed' | 'all'): Promise<JobResponse> {
    const job = await this.getEntity(id);
    // An agent update can do more than a technician's script may (replacing the agent itself).
    if (job.action?.kind === 'agent_update' && !(actor.role && roleAtLeast(actor.role, 'admin')))
      throw new ActionNeedsAdminException(job.action.kind);
    const states: readonly RunState[] | undefined =
      scope === 'failed' ? UNSUCCESSFUL_RUN_STATES : undefined;
    const deviceIds = await this.runStore.deviceIdsOf(id, states);
    if (deviceIds.length === 0) throw new NothingToRerunException();
    const dto: CreateJobDto = {
      name: `${job.name} (re-run ${scope})`.slice(0, 200),
      target: { deviceIds },
      timeoutSeconds: job.timeoutMs / 1000,
      offlineExpirySeconds: job.offlineExpiryMs / 1000,
      maxConcurrency: job.maxConcurrency ?? undefined,
      failureThresholdPercent: job.failureThresholdPercent ?? undefined,
    };
    return this.create(actor, dto, job);
  }

  /**
   * Each run's device, job and action, for many runs in one query (a burst of log uploads
   * checks whose run each is); the unknown ones are missing from the map.
   */
  async runActions(
    ids: string[],
  ): Promise<Map<string, { deviceId: string; jobId: string; action: RunAction | null }>> {
    const rows = await this.dataSource.query<
      { id: string; device_id: string; job_id: string; action: RunAction | null }[]
    >(
      `SELECT r."id", r."device_id", r."job_id", j."action"
         FROM "job_run" r JOIN "job" j ON j."id" = r."job_id"
        WHERE r."id" = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(
      rows.map((r) => [r.id, { deviceId: r.device_id, jobId: r.job_id, action: r.action }]),
    );
  }

  async getEntity(id: string): Promise<JobEntity> {
    const job = await this.dataSource.getRepository(JobEntity).findOneBy({ id });
    if (!job) throw new JobNotFoundException(id);
    return job;
  }

  private async resolveSpec(dto: CreateJobDto): Promise<JobSpec> {
    if (dto.software) {
      if (!this.softwareResolver)
        throw new JobSpecInvalidException('Software deployments are not available on this server');
      const r = await this.softwareResolver.resolve(dto.software);
      const body = JSON.stringify(r.action);
      return {
        name: r.name,
        scriptId: null,
        scriptVersion: null,
        language: null,
        action: r.action,
        body,
        sha256: sha256(body),
        env: [],
        args: [],
        params: {},
        defaultTimeoutSeconds: SOFTWARE_TIMEOUT_S,
        auditDetails: r.auditDetails,
      };
    }
    if (dto.script) {
      const r = await this.scripts.resolveForRun(
        dto.script.id,
        dto.script.version,
        dto.script.params ?? {},
      );
      return {
        name: `Script ${r.scriptId.slice(0, 8)} v${r.version}`,
        scriptId: r.scriptId,
        scriptVersion: r.version,
        language: r.language,
        action: null,
        body: r.body,
        sha256: r.sha256,
        env: r.env,
        args: r.args,
        params: r.redactedParams,
        defaultTimeoutSeconds: r.defaultTimeoutSeconds,
      };
    }
    const command = dto.command as NonNullable<CreateJobDto['command']>;
    if (command.body.includes('\u0000'))
      throw new JobSpecInvalidException('The command contains a NUL character');
    return {
      name: command.body.split('\n')[0].slice(0, 80) || 'Command',
      scriptId: null,
      scriptVersion: null,
      language: command.language,
      action: null,
      body: command.body,
      sha256: sha256(command.body),
      env: [],
      args: [],
      params: {},
      defaultTimeoutSeconds: DEFAULT_TIMEOUT_S,
    };
  }

  private specOf(job: JobEntity): JobSpec {
    const { env, args } = openJobEnv(this.box, job);
    return {
      name: job.name,
      scriptId: job.scriptId,
      scriptVersion: job.scriptVersion,
      language: job.language,
      action: job.action,
      body: job.body,
      sha256: job.bodySha256,
      env,
      args,
      params: job.params,
      defaultTimeoutSeconds: job.timeoutMs / 1000,
    };
  }
}
