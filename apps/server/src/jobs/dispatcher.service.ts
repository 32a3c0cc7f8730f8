import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type AgentToServer,
  cancelSigningPayload,
  newNonce,
  type OutputBody,
  type ResultBody,
  type RunAcceptedBody,
  type RunRejectedBody,
  type RunSpec,
  runSigningPayload,
} from '@fleetdesk/protocol';
import type { RunState } from '@fleetdesk/api-types';
import { DataSource } from 'typeorm';
import { SecretBox } from '../secrets/secret-box';
import { AgentGatewayService, type RoutedType } from '../agent-gateway/agent-gateway.service';
import { describeDbError, type RejectedRow, writeBatch } from '../common/batch-write';
import { DeviceTelemetryService, type ReportKind } from '../devices/device-telemetry.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { JobEvents } from './job-events';
import { openJobEnv } from './job-env';
import { JobEntity } from './job.entity';
import { FAILED_STATES, LOST_GRACE_MS, sqlList, TERMINAL_STATES } from './run-states';

const TICK_MS = 1000;
const FLUSH_MS = 50;
const CLAIM_LIMIT = 20_000;
/** Agents cap output themselves; the server's own ceiling per run, in case one does not. */
const SERVER_OUTPUT_CAP = 10 * 1024 * 1024;

const OUTCOME_STATE: Record<ResultBody['outcome'], RunState> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
  interrupted: 'failed',
};

type Report<T> = { deviceId: string; body: T };

interface Claimed {
  id: string;
  job_id: string;
  device_id: string;
  expires_at: Date;
}

/**
 * Delivers runs to the agents connected to this node and records what they report.
 *
 * Claims use FOR UPDATE SKIP LOCKED so replicas never send the same run twice; the agent's
 * journal makes a re-delivery (after a reconnect or a server restart) harmless. Agent reports
 * are buffered for a few milliseconds and written in one statement per kind, which is what
 * lets ten thousand results commit in seconds. A statement the database refuses for its data
 * is written again row by row (writeBatch), so one device's bad report never costs another's.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Dispatcher');
  private tickTimer?: NodeJS.Timeout;
  private flushTimer?: NodeJS.Timeout;
  private dispatching = false;
  private again = false;
  private stopped = false;
  /** Devices that (re)connected: their already-dispatched runs are sent again. */
  private readonly reconnected = new Set<string>();
  private readonly jobCache = new Map<string, JobEntity>();
  private accepted: { deviceId: string; body: RunAcceptedBody }[] = [];
  private rejected: { deviceId: string; body: RunRejectedBody }[] = [];
  private outputs: { deviceId: string; body: OutputBody }[] = [];
  private results: { deviceId: string; body: ResultBody }[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gateway: AgentGatewayService,
    private readonly serverKeys: ServerKeysService,
    private readonly events: JobEvents,
    private readonly box: SecretBox,
    private readonly telemetry: DeviceTelemetryService,
  ) {}

  onApplicationBootstrap(): void {
    for (const type of ['run_accepted', 'run_rejected', 'output', 'result'] as const)
      this.gateway.route(type, (deviceId, body) => this.receive(type, deviceId, body));
    this.gateway.onAuthenticated((deviceId) => {
      this.reconnected.add(deviceId);
      this.kick();
    });
    this.tickTimer = setInterval(() => void this.tick(), TICK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.flushTimer);
    await this.flush();
  }

  /** Asks for a dispatch pass soon; passes never overlap, and a request during one runs another. */
  kick(): void {
    if (this.stopped) return;
    if (this.dispatching) {
      this.again = true;
      return;
    }
    this.dispatching = true;
    setImmediate(() => {
      this.dispatchOnce()
        .catch((error: unknown) => this.logger.error(`dispatch failed: ${String(error)}`))
        .finally(() => {
          this.dispatching = false;
          if (this.again) {
            this.again = false;
            this.kick();
          }
        });
    });
  }

  /** Takes one validated report of a device for the next batched write (flushed within 50 ms). */
  receive<T extends RoutedType>(type: T, deviceId: string, body: AgentToServer[T]): void {
    const report = { deviceId, body } as Report<never>;
    switch (type) {
      case 'run_accepted':
        return this.buffer(this.accepted, report);
      case 'run_rejected':
        return this.buffer(this.rejected, report);
      case 'output':
        return this.buffer(this.outputs, report);
      case 'result':
        return this.buffer(this.results, report);
    }
  }

  /** Sends a signed cancel to each run's device when it is connected here. */
  cancelRuns(runs: { runId: string; deviceId: string }[]): void {
    for (const { runId, deviceId } of runs) {
      const signature = this.serverKeys.sign(cancelSigningPayload(runId, deviceId));
      this.gateway.send(deviceId, 'cancel', { runId, deviceId, signature });
    }
  }

  private async tick(): Promise<void> {
    try {
      await this.sweep();
    } catch (error) {
      this.logger.error(`sweep failed: ${String(error)}`);
    }
    this.kick();
  }

  private async dispatchOnce(): Promise<void> {
    const online = this.gateway.connectedDeviceIds();
    if (online.length === 0) return;

    const again = [...this.reconnected].filter((id) => this.gateway.isConnected(id));
    this.reconnected.clear();
    if (again.length > 0) {
      const redeliver = await this.dataSource.query<Claimed[]>(
        `SELECT r.id, r.job_id, r.device_id, r.expires_at FROM job_run r JOIN job j ON j.id = r.job_id
         WHERE r.status = 'dispatched' AND r.device_id = ANY($1::uuid[]) AND j.status = 'running'`,
        [again],
      );
      await this.send(redeliver);
    }

    // Per-job concurrency: rank each job's pending runs and keep only as many as it has free slots.
    const [claimed] = await this.dataSource.query<[Claimed[], number]>(
      `WITH active AS (
         SELECT job_id, count(*)::int AS n FROM job_run
         WHERE status IN ('dispatched', 'running') GROUP BY job_id
       ), ranked AS (
         SELECT r.id, r.job_id, row_number() OVER (PARTITION BY r.job_id ORDER BY r.created_at, r.id) AS rn
         FROM job_run r JOIN job j ON j.id = r.job_id
         WHERE r.status = 'pending' AND j.status = 'running'
           AND r.device_id = ANY($1::uuid[]) AND r.expires_at > now()
       ), allowed AS (
         SELECT ranked.id FROM ranked
         JOIN job j ON j.id = ranked.job_id
         LEFT JOIN active a ON a.job_id = ranked.job_id
         WHERE j.max_concurrency IS NULL OR ranked.rn <= j.max_concurrency - coalesce(a.n, 0)
         LIMIT ${CLAIM_LIMIT}
       ), locked AS (
         SELECT id FROM job_run WHERE id IN (SELECT id FROM allowed) AND status = 'pending'
         FOR UPDATE SKIP LOCKED
       )
       UPDATE job_run SET status = 'dispatched', dispatched_at = now()
       WHERE id IN (SELECT id FROM locked)
       RETURNING id, job_id, device_id, expires_at`,
      [online],
    );
    await this.send(claimed);
    if (claimed.length === CLAIM_LIMIT) this.again = true;
  }

  private async send(runs: Claimed[]): Promise<void> {
    if (runs.length === 0) return;
    const jobs = await this.loadJobs([...new Set(runs.map((r) => r.job_id))]);
    for (const run of runs) {
      const job = jobs.get(run.job_id);
      if (!job) continue;
      const spec: RunSpec = {
        runId: run.id,
        jobId: job.id,
        deviceId: run.device_id,
        language: job.language,
        script: job.body,
        scriptSha256: job.bodySha256,
        env: job.env,
        args: job.args,
        timeoutMs: job.timeoutMs,
        expiresAt: new Date(run.expires_at).getTime(),
        issuedAt: Date.now(),
        nonce: newNonce(),
        maxOutputBytes: SERVER_OUTPUT_CAP,
      };
      const signature = this.serverKeys.sign(runSigningPayload(spec));
      // Not connected any more: the run stays dispatched and is sent again on reconnect.
      this.gateway.send(run.device_id, 'run', { spec, signature });
      this.events.emit('run.status', { jobId: job.id, runId: run.id, status: 'dispatched' });
    }
  }

  private async loadJobs(ids: string[]): Promise<Map<string, JobEntity>> {
    const missing = ids.filter((id) => !this.jobCache.has(id));
    if (missing.length > 0) {
      const rows = await this.dataSource
        .getRepository(JobEntity)
        .createQueryBuilder('j')
        .where('j.id IN (:...ids)', { ids: missing })
        .getMany();
      if (this.jobCache.size > 1000) this.jobCache.clear();
      // Opened once per job and kept in memory only, never written back.
      for (const job of rows) this.jobCache.set(job.id, { ...job, ...openJobEnv(this.box, job) });
    }
    return new Map(
      ids.flatMap((id) =>
        this.jobCache.has(id) ? [[id, this.jobCache.get(id) as JobEntity]] : [],
      ),
    );
  }

  private buffer<T>(list: T[], item: T): void {
    list.push(item);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, FLUSH_MS);
  }

  /** Writes everything buffered; writes are chained so they never overlap or reorder. */
  flush(): Promise<void> {
    this.writing = this.writing
      .then(() => this.writeBuffered())
      .catch((error: unknown) =>
        this.logger.error(`writing agent reports failed: ${String(error)}`),
      );
    return this.writing;
  }

  private async writeBuffered(): Promise<void> {
    const accepted = this.accepted.splice(0);
    const rejected = this.rejected.splice(0);
    const outputs = this.outputs.splice(0);
    const results = this.results.splice(0);
    const touched = new Set<string>();
    if (accepted.length > 0) await this.writeAccepted(accepted, touched);
    if (rejected.length > 0) await this.writeRejected(rejected, touched);
    // Output before results, so a finished run's output is complete when its state turns final.
    if (outputs.length > 0) await this.writeOutputs(outputs);
    if (results.length > 0) await this.writeResults(results, touched);
    if (touched.size > 0) await this.settleJobs([...touched]);
  }

  /** Counts refused reports against their devices (and logs them); the rest go on. */
  private refusedBy(kind: ReportKind) {
    return (rows: RejectedRow<Report<unknown>>[]) =>
      this.telemetry.recordRejected(
        rows.map(({ item, error }) => ({ deviceId: item.deviceId, kind, error })),
      );
  }

  private async writeAccepted(items: Report<RunAcceptedBody>[], touched: Set<string>) {
    const rows = await writeBatch(
      items,
      async (batch) => {
        const [updated] = await this.dataSource.query<[{ id: string; job_id: string }[], number]>(
          `UPDATE job_run r SET status = 'running', started_at = v.started
           FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS device_id, unnest($3::timestamptz[]) AS started) v
           WHERE r.id = v.id AND r.device_id = v.device_id AND r.status IN ('pending', 'dispatched')
           RETURNING r.id, r.job_id`,
          [
            batch.map((i) => i.body.runId),
            batch.map((i) => i.deviceId),
            batch.map((i) => new Date(i.body.startedAt)),
          ],
        );
        return updated;
      },
      // The run stays dispatched; its result, when it comes, still records it.
      this.refusedBy('run_accepted'),
    );
    for (const row of rows) {
      touched.add(row.job_id);
      this.events.emit('run.status', { jobId: row.job_id, runId: row.id, status: 'running' });
    }
  }

  private async writeRejected(items: Report<RunRejectedBody>[], touched: Set<string>) {
    // 'duplicate' means the agent already has this run: its result comes from its outbox.
    const final = items.filter((i) => i.body.reason !== 'duplicate');
    const rows = await writeBatch(
      final,
      async (batch) => {
        const [updated] = await this.dataSource.query<
          [{ id: string; job_id: string; status: RunState }[], number]
        >(
          `UPDATE job_run r SET status = v.status, finished_at = now(), error = v.error
           FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS device_id,
                        unnest($3::text[]) AS status, unnest($4::text[]) AS error) v
           WHERE r.id = v.id AND r.device_id = v.device_id AND r.status IN ('pending', 'dispatched')
           RETURNING r.id, r.job_id, r.status`,
          [
            batch.map((i) => i.body.runId),
            batch.map((i) => i.deviceId),
            batch.map((i) => (i.body.reason === 'expired' ? 'expired' : 'failed')),
            batch.map((i) =>
              `the agent refused the run (${i.body.reason}): ${i.body.message}`.slice(0, 1024),
            ),
          ],
        );
        return updated;
      },
      this.refusedBy('run_rejected'),
    );
    for (const row of rows) {
      touched.add(row.job_id);
      this.events.emit('run.status', { jobId: row.job_id, runId: row.id, status: row.status });
    }
  }

  private async writeOutputs(items: Report<OutputBody>[]) {
    // Only chunks of a run that belongs to the sending device; a repeated chunk is stored once.
    const rows = await writeBatch(
      items,
      (batch) =>
        this.dataSource.query<{ run_id: string; seq: number; job_id: string }[]>(
          `INSERT INTO run_output (run_id, seq, stream, data)
           SELECT v.run_id, v.seq, v.stream, v.data
           FROM (SELECT unnest($1::uuid[]) AS run_id, unnest($2::uuid[]) AS device_id, unnest($3::int[]) AS seq,
                        unnest($4::text[]) AS stream, unnest($5::text[]) AS data) v
           JOIN job_run r ON r.id = v.run_id AND r.device_id = v.device_id
           ON CONFLICT (run_id, seq) DO NOTHING
           RETURNING run_id, seq, (SELECT job_id FROM job_run WHERE id = run_id) AS job_id`,
          [
            batch.map((i) => i.body.runId),
            batch.map((i) => i.deviceId),
            batch.map((i) => i.body.seq),
            batch.map((i) => i.body.stream),
            // PostgreSQL text cannot hold NUL; the protocol refuses it, this is for older senders.
            batch.map((i) => i.body.data.replaceAll(String.fromCharCode(0), '\uFFFD')),
          ],
        ),
      this.refusedBy('output'),
    );
    const stored = new Map(rows.map((r) => [`${r.run_id}:${r.seq}`, r.job_id]));
    for (const { body } of items) {
      const jobId = stored.get(`${body.runId}:${body.seq}`);
      if (jobId)
        this.events.emit('run.output', {
          jobId,
          runId: body.runId,
          seq: body.seq,
          stream: body.stream,
          data: body.data,
        });
    }
  }

  private async writeResults(items: Report<ResultBody>[], touched: Set<string>) {
    const refused: RejectedRow<Report<ResultBody>>[] = [];
    const updated = await writeBatch(
      items,
      (batch) => this.updateResults(batch),
      async (rows) => {
        refused.push(...rows);
        await this.refusedBy('result')(rows);
      },
    );
    // A result the database refused still ends its run, as failed with the reason, rather
    // than leaving it open until the sweep calls it lost; the agent gets its ack below.
    if (refused.length > 0) updated.push(...(await this.failUnstorableResults(refused)));
    for (const row of updated) {
      touched.add(row.job_id);
      this.events.emit('run.status', { jobId: row.job_id, runId: row.id, status: row.status });
    }
    // Acknowledge every result whose run exists for that device, new or already recorded, so
    // the agent can empty its outbox; a duplicate changes nothing above.
    const known = await this.dataSource.query<{ id: string; device_id: string }[]>(
      `SELECT id, device_id FROM job_run WHERE id = ANY($1::uuid[])`,
      [items.map((i) => i.body.runId)],
    );
    const owner = new Map(known.map((k) => [k.id, k.device_id]));
    for (const { deviceId, body } of items) {
      if (owner.get(body.runId) === deviceId)
        this.gateway.send(deviceId, 'result_ack', { runId: body.runId });
      else if (!owner.has(body.runId)) {
        // The job was deleted: nothing to record, but the agent must stop re-sending.
        this.gateway.send(deviceId, 'result_ack', { runId: body.runId });
      } else this.logger.warn(`device ${deviceId} sent a result for a run of another device`);
    }
  }

  private async updateResults(items: readonly Report<ResultBody>[]) {
    const b = items.map((i) => i.body);
    const [updated] = await this.dataSource.query<
      [{ id: string; job_id: string; status: RunState }[], number]
    >(
      `UPDATE job_run r SET status = v.status, exit_code = v.exit_code, signal = v.signal, error = v.error,
         started_at = coalesce(r.started_at, v.started), finished_at = v.finished,
         output_bytes = v.output_bytes, truncated = v.truncated, last_seq = v.last_seq
       FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS device_id, unnest($3::text[]) AS status,
                    unnest($4::bigint[]) AS exit_code, unnest($5::text[]) AS signal, unnest($6::text[]) AS error,
                    unnest($7::timestamptz[]) AS started, unnest($8::timestamptz[]) AS finished,
                    unnest($9::bigint[]) AS output_bytes, unnest($10::boolean[]) AS truncated,
                    unnest($11::int[]) AS last_seq) v
       WHERE r.id = v.id AND r.device_id = v.device_id AND r.status NOT IN (${sqlList(TERMINAL_STATES)})
       RETURNING r.id, r.job_id, r.status`,
      [
        b.map((x) => x.runId),
        items.map((i) => i.deviceId),
        b.map((x) => OUTCOME_STATE[x.outcome]),
        b.map((x) => x.exitCode ?? null),
        b.map((x) => x.signal ?? null),
        b.map((x) =>
          x.outcome === 'interrupted'
            ? (x.error ?? 'the agent stopped while this run was in progress; it was not run again')
            : (x.error ?? null),
        ),
        b.map((x) => new Date(x.startedAt)),
        b.map((x) => new Date(x.finishedAt)),
        b.map((x) => x.outputBytes),
        b.map((x) => x.truncated),
        b.map((x) => x.lastSeq),
      ],
    );
    return updated;
  }

  private async failUnstorableResults(refused: RejectedRow<Report<ResultBody>>[]) {
    const [failed] = await this.dataSource.query<
      [{ id: string; job_id: string; status: RunState }[], number]
    >(
      `UPDATE job_run r SET status = 'failed', finished_at = now(), error = v.error
       FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS device_id, unnest($3::text[]) AS error) v
       WHERE r.id = v.id AND r.device_id = v.device_id AND r.status NOT IN (${sqlList(TERMINAL_STATES)})
       RETURNING r.id, r.job_id, r.status`,
      [
        refused.map(({ item }) => item.body.runId),
        refused.map(({ item }) => item.deviceId),
        refused.map(({ error }) =>
          `the device reported a result the database could not store (${describeDbError(error).message}); its outcome is unknown`.slice(
            0,
            1024,
          ),
        ),
      ],
    );
    return failed;
  }

  /** Ends runs that can no longer happen, then settles the jobs they belong to. */
  private async sweep(): Promise<void> {
    const [expired] = await this.dataSource.query<[{ id: string; job_id: string }[], number]>(
      `UPDATE job_run SET status = 'expired', finished_at = now(),
         error = 'the device did not come online before the run expired; it never ran'
       WHERE status = 'pending' AND expires_at <= now() RETURNING id, job_id`,
    );
    const [lost] = await this.dataSource.query<[{ id: string; job_id: string }[], number]>(
      `UPDATE job_run r SET status = 'lost', finished_at = now(),
         error = 'no result from the device long after the run''s deadline; unknown whether it ran'
       FROM job j WHERE j.id = r.job_id AND (
         (r.status = 'running' AND r.started_at + (j.timeout_ms + $1) * interval '1 millisecond' < now())
         OR (r.status = 'dispatched'
             AND greatest(r.dispatched_at, r.expires_at) + (j.timeout_ms + $1) * interval '1 millisecond' < now()))
       RETURNING r.id, r.job_id`,
      [LOST_GRACE_MS],
    );
    const touched = new Set<string>();
    for (const [rows, status] of [
      [expired, 'expired'],
      [lost, 'lost'],
    ] as const) {
      for (const row of rows) {
        touched.add(row.job_id);
        this.events.emit('run.status', { jobId: row.job_id, runId: row.id, status });
      }
    }
    if (touched.size > 0) await this.settleJobs([...touched]);
  }

  /** Stops jobs over their failure threshold and completes jobs with nothing left open. */
  private async settleJobs(jobIds: string[]): Promise<void> {
    const stats = await this.dataSource.query<
      {
        id: string;
        status: string;
        threshold: number | null;
        open: number;
        finished: number;
        failed: number;
      }[]
    >(
      `SELECT j.id, j.status, j.failure_threshold_percent AS threshold,
         count(*) FILTER (WHERE r.status IN ('pending', 'dispatched', 'running'))::int AS open,
         count(*) FILTER (WHERE r.status IN (${sqlList(TERMINAL_STATES)}))::int AS finished,
         count(*) FILTER (WHERE r.status IN (${sqlList(FAILED_STATES)}))::int AS failed
       FROM job j JOIN job_run r ON r.job_id = j.id
       WHERE j.id = ANY($1::uuid[]) GROUP BY j.id`,
      [jobIds],
    );
    for (const s of stats) {
      if (
        s.status === 'running' &&
        s.threshold !== null &&
        s.finished > 0 &&
        (s.failed * 100) / s.finished > s.threshold
      ) {
        await this.dataSource.transaction(async (m) => {
          const reason = `stopped: ${s.failed} of ${s.finished} finished runs failed (threshold ${s.threshold}%)`;
          await m.query(
            `UPDATE job SET status = 'stopped', stop_reason = $2 WHERE id = $1 AND status = 'running'`,
            [s.id, reason],
          );
          await m.query(
            `UPDATE job_run SET status = 'cancelled', finished_at = now(), error = $2
             WHERE job_id = $1 AND status = 'pending'`,
            [s.id, `not started: the job was ${reason}`],
          );
        });
        this.events.emit('job.changed', { jobId: s.id });
      }
      if (s.open === 0) {
        await this.dataSource.query(
          `UPDATE job SET status = CASE WHEN status = 'running' THEN 'completed' ELSE status END,
             finished_at = coalesce(finished_at, now())
           WHERE id = $1 AND finished_at IS NULL`,
          [s.id],
        );
        this.events.emit('job.changed', { jobId: s.id });
      }
    }
    this.kick();
  }
}
