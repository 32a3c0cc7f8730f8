import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  FAILED_RUN_STATES,
  OPEN_RUN_STATES,
  type RunCounts,
  type RunOutputChunk,
  type RunState,
  type SoftwareRunDetail,
  TERMINAL_RUN_STATES,
} from '@fleetdesk/api-types';
import type { OutputBody } from '@fleetdesk/protocol';
import { DataSource, type EntityManager } from 'typeorm';
import { emptyCounts, sqlList } from './run-states';

/** A `job_run` row as PostgreSQL returns it: snake_case, bigint columns as strings. */
export interface JobRunRow {
  id: string;
  job_id: string;
  device_id: string;
  status: RunState;
  created_at: Date;
  expires_at: Date;
  not_before: Date | null;
  expiry_reason: string | null;
  dispatched_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  /** bigint: node-postgres returns it as a string. */
  exit_code: string | number | null;
  signal: string | null;
  error: string | null;
  output_bytes: string | number;
  truncated: boolean;
  last_seq: number;
  software: SoftwareRunDetail | null;
}

export type RunTransition =
  | 'claim'
  | 'accept'
  | 'reject'
  | 'recordOutput'
  | 'finish'
  | 'confirmAgentUpdate'
  | 'expire'
  | 'markLost'
  | 'cancel';

interface TransitionRule {
  /** The states a run may be in for the transition to apply; in any other it changes nothing. */
  readonly from: readonly RunState[];
  /** The states it may leave the run in; `unchanged` for one that records without moving it. */
  readonly to: readonly RunState[] | 'unchanged';
}

/**
 * Every state change a run can make, in one place. Each RunStore method applies exactly one
 * of these, and its SQL takes the allowed from-states from here (run-store.int-spec.ts walks
 * every state × transition pair on a real database to hold the SQL to this table).
 *
 * Terminal states are final: a late or repeated report (a result re-sent from the agent's
 * outbox, a run the sweep already called lost) changes nothing, which is what makes the
 * at-least-once delivery of reports record each run exactly once.
 */
export const RUN_TRANSITIONS = {
  /** The dispatcher takes a pending run to send it. */
  claim: { from: ['pending'], to: ['dispatched'] },
  /** The agent started it. Pending too: an accept can overtake a slow claim's bookkeeping. */
  accept: { from: ['pending', 'dispatched'], to: ['running'] },
  /** The agent refused it before starting (bad signature, expired on arrival…). */
  reject: { from: ['pending', 'dispatched'], to: ['failed', 'expired'] },
  /** Output chunks of any run that was sent; a chunk may arrive after its run ended. */
  recordOutput: { from: ['dispatched', 'running', ...TERMINAL_RUN_STATES], to: 'unchanged' },
  /** The agent's result, or a result the database could not store (then failed). */
  finish: { from: OPEN_RUN_STATES, to: ['succeeded', 'failed', 'timed_out', 'cancelled'] },
  /**
   * An agent update run whose device authenticated (not on trial) with the version the update
   * installs: the one proof that it worked. Only a run that was sent: a device already on that
   * version with the run still pending gets it, and its agent says so.
   */
  confirmAgentUpdate: { from: ['dispatched', 'running'], to: ['succeeded'] },
  /** The device never came online before the run expired: it never ran. */
  expire: { from: ['pending'], to: ['expired'] },
  /** No result long past the deadline: unknown whether it ran. */
  markLost: { from: ['dispatched', 'running'], to: ['lost'] },
  /** Its job was cancelled or stopped before the run was sent. */
  cancel: { from: ['pending'], to: ['cancelled'] },
} as const satisfies Record<RunTransition, TransitionRule>;

type ToState<T extends RunTransition> =
  (typeof RUN_TRANSITIONS)[T]['to'] extends readonly (infer S)[] ? S : never;

/** `status IN (…)` for a transition's from-states: constants, so the planner sees the partial index. */
const FROM = Object.fromEntries(
  Object.entries(RUN_TRANSITIONS).map(([t, rule]) => [t, sqlList(rule.from)]),
) as Record<RunTransition, string>;

/** A run with its device's names, as the run lists show them. */
export interface RunWithDevice extends JobRunRow {
  hostname: string;
  name: string | null;
}

export interface RunPageQuery {
  status?: RunState;
  page: number;
  pageSize: number;
}

// Names for display and the job page's order by device name. The one read of another
// module's table left here: ordering a page of ten thousand runs by name needs the join.
const WITH_DEVICE = `SELECT r.*, d.hostname, d.name FROM job_run r JOIN device d ON d.id = r.device_id`;

/** A run's own start and expiry, set by whoever creates the job (the scheduler). */
export interface RunTiming {
  /** Not sent before this (null: at once). */
  notBefore: Date | null;
  /** null: the job's offline expiry from now. */
  expiresAt: Date | null;
  /** The error an expired run gets, when it says more than "the device was offline". */
  expiryReason: string | null;
}

/**
 * A run to send. Its expiry comes as epoch milliseconds (what the run spec carries): parsing
 * ten thousand timestamptz values into Dates held the event loop for ~100 ms per fan-out.
 */
export type ClaimedRun = Pick<JobRunRow, 'id' | 'job_id' | 'device_id'> & { expires_ms: number };
/** `expires_at` in whole epoch milliseconds (as a Date keeps it), a float8 so it parses as a number. */
const expiresMs = (alias: string) =>
  `floor(extract(epoch FROM ${alias}expires_at) * 1000)::float8 AS expires_ms`;
export type RunChange = Pick<JobRunRow, 'id' | 'job_id' | 'status'>;

/** Every report below names the device that sent it: a run changes only for its own device. */
interface RunReport {
  runId: string;
  deviceId: string;
}
export interface AcceptInput extends RunReport {
  startedAt: Date;
}
export interface RejectInput extends RunReport {
  status: ToState<'reject'>;
  error: string;
}
export interface OutputInput extends RunReport {
  seq: number;
  stream: OutputBody['stream'];
  data: string;
}
/** Fields left undefined keep what the run has (finished_at: now). Values are stored as given. */
export interface FinishInput extends RunReport {
  status: ToState<'finish'>;
  /**
   * The version the device's agent is connected with now. An agent update run reported
   * `succeeded` ends `failed` unless this is the version it installs.
   */
  agentVersion?: string | null;
  error: string | null;
  exitCode?: number | null;
  signal?: string | null;
  startedAt?: Date;
  finishedAt?: Date;
  outputBytes?: number;
  truncated?: boolean;
  lastSeq?: number;
  /** A software action's report, stored as sent (validated by the protocol). */
  software?: SoftwareRunDetail | null;
}

/**
 * Where a job stands, for settling it: its own state and threshold, whether any run is still
 * open and, for a running job with a failure threshold (the one case that needs them), how
 * many runs finished and failed; 0 for any other job.
 */
export interface JobProgress {
  id: string;
  status: string;
  threshold: number | null;
  /** The job has a max_concurrency: a finished run frees a slot for a pending one. */
  limited: boolean;
  hasOpen: boolean;
  finished: number;
  failed: number;
}

/**
 * Runs inserted per statement. Small enough that building and sending one slice (and the
 * yield after it) keeps the event loop free for API requests while a schedule fans a job out
 * over ten thousand devices.
 */
const INSERT_BATCH = 1000;

/**
 * The one home of the `job_run` table (and its `run_output` chunks): the run state machine's
 * transitions, each one statement over a batch, and the few reads the jobs module needs.
 * Methods that take an EntityManager join the caller's transaction.
 */
@Injectable()
export class RunStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * A new job's runs, all pending: a couple of statements for ten thousand devices. `timing`
   * gives some devices' runs their own start and expiry (a maintenance window, a spread).
   */
  async insert(
    m: EntityManager,
    jobId: string,
    deviceIds: readonly string[],
    expiresInMs: number,
    timing?: ReadonlyMap<string, RunTiming>,
  ): Promise<void> {
    for (let i = 0; i < deviceIds.length; i += INSERT_BATCH) {
      if (i > 0) await yieldToEventLoop();
      const batch = deviceIds.slice(i, i + INSERT_BATCH);
      if (!timing) {
        await m.query(
          `INSERT INTO job_run (job_id, device_id, expires_at)
           SELECT $1, unnest($2::uuid[]), now() + $3::bigint * interval '1 millisecond'`,
          [jobId, batch, expiresInMs],
        );
        continue;
      }
      const t = batch.map((id) => timing.get(id));
      await m.query(
        `INSERT INTO job_run (job_id, device_id, expires_at, not_before, expiry_reason)
         SELECT $1, v.device_id, coalesce(v.expires_at, now() + $3::bigint * interval '1 millisecond'),
                v.not_before, v.reason
         FROM unnest($2::uuid[], $4::timestamptz[], $5::timestamptz[], $6::text[])
           AS v(device_id, expires_at, not_before, reason)`,
        [
          jobId,
          batch,
          expiresInMs,
          t.map((x) => x?.expiresAt ?? null),
          t.map((x) => x?.notBefore ?? null),
          t.map((x) => x?.expiryReason ?? null),
        ],
      );
    }
  }

  /**
   * Whether any run could be claimed now (pending, of a running job, due, not expired),
   * whichever device it is for: one probe of IDX_job_run_open. The dispatcher asks before
   * claim(), whose parameter is every connected device's id (ten thousand uuids to encode,
   * send and parse once a second, for a claim that finds nothing nearly every time).
   */
  async anyClaimable(): Promise<boolean> {
    const [row] = await this.dataSource.query<{ any: boolean }[]>(
      `SELECT EXISTS (
         SELECT 1 FROM job_run r JOIN job j ON j.id = r.job_id
         WHERE r.status IN (${FROM.claim}) AND j.status = 'running' AND r.expires_at > now()
           AND (r.not_before IS NULL OR r.not_before <= now())) AS any`,
    );
    return row.any;
  }

  /**
   * claim: up to `limit` pending runs of running jobs for these (connected) devices, within
   * each job's free concurrency slots. SKIP LOCKED keeps replicas from claiming the same run.
   *
   * `= ANY(ARRAY(…))` rather than `IN (SELECT …)`: the id lists are built once. With `IN`, a
   * job_run table without statistics yet (a new install's first big job, before autovacuum
   * analyzes it) got a nested-loop semi join that ran the whole ranking once per pending run:
   * 4.5 s of database CPU for 2,000 runs, against 60 ms this way (BENCHMARKS.md, fan-out,
   * 2026-11-30 afternoon); with statistics both take the same time.
   *
   * The rows go from step to step by ctid, not id: ten thousand ids looked up again in the
   * primary key, twice (to lock, to update), were ~10 % of the claim's CPU. A ctid is safe
   * here: a row whose version moved since `ranked` read it is either re-read by the lock
   * (READ COMMITTED follows the update and re-checks `pending`) or not claimed this pass, and
   * a locked row cannot move before the UPDATE in the same statement.
   */
  async claim(deviceIds: readonly string[], limit: number): Promise<ClaimedRun[]> {
    const [claimed] = await this.dataSource.query<[ClaimedRun[], number]>(
      `WITH active AS (
         SELECT job_id, count(*)::int AS n FROM job_run
         WHERE status IN ('dispatched', 'running') GROUP BY job_id
       ), ranked AS (
         SELECT r.ctid AS tid, r.job_id, row_number() OVER (PARTITION BY r.job_id ORDER BY r.created_at, r.id) AS rn
         FROM job_run r JOIN job j ON j.id = r.job_id
         WHERE r.status IN (${FROM.claim}) AND j.status = 'running'
           AND r.device_id = ANY($1::uuid[]) AND r.expires_at > now()
           AND (r.not_before IS NULL OR r.not_before <= now())
       ), allowed AS (
         SELECT ranked.tid FROM ranked
         JOIN job j ON j.id = ranked.job_id
         LEFT JOIN active a ON a.job_id = ranked.job_id
         WHERE j.max_concurrency IS NULL OR ranked.rn <= j.max_concurrency - coalesce(a.n, 0)
         LIMIT $2
       ), locked AS (
         SELECT ctid AS tid FROM job_run
         WHERE ctid = ANY(ARRAY(SELECT tid FROM allowed)) AND status IN (${FROM.claim})
         FOR UPDATE SKIP LOCKED
       )
       UPDATE job_run SET status = 'dispatched', dispatched_at = now()
       WHERE ctid = ANY(ARRAY(SELECT tid FROM locked))
       RETURNING id, job_id, device_id, ${expiresMs('')}`,
      [deviceIds, limit],
    );
    return claimed;
  }

  /** Runs already sent to these devices (not a transition: they are sent again on reconnect). */
  dispatchedTo(deviceIds: readonly string[]): Promise<ClaimedRun[]> {
    return this.dataSource.query<ClaimedRun[]>(
      `SELECT r.id, r.job_id, r.device_id, ${expiresMs('r.')} FROM job_run r JOIN job j ON j.id = r.job_id
       WHERE r.status = 'dispatched' AND r.device_id = ANY($1::uuid[]) AND j.status = 'running'`,
      [deviceIds],
    );
  }

  async accept(items: readonly AcceptInput[]): Promise<RunChange[]> {
    const [updated] = await this.dataSource.query<[RunChange[], number]>(
      `UPDATE job_run r SET status = 'running', started_at = v.started
       FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS device_id, unnest($3::timestamptz[]) AS started) v
       WHERE r.id = v.id AND r.device_id = v.device_id AND r.status IN (${FROM.accept})
       RETURNING r.id, r.job_id, r.status`,
      [items.map((i) => i.runId), items.map((i) => i.deviceId), items.map((i) => i.startedAt)],
    );
    return updated;
  }

  async reject(items: readonly RejectInput[]): Promise<RunChange[]> {
    const [updated] = await this.dataSource.query<[RunChange[], number]>(
      `UPDATE job_run r SET status = v.status, finished_at = now(), error = v.error
       FROM (SELECT unnest($1::uuid[]) AS id, unnest($2::uuid[]) AS device_id,
                    unnest($3::text[]) AS status, unnest($4::text[]) AS error) v
       WHERE r.id = v.id AND r.device_id = v.device_id AND r.status IN (${FROM.reject})
       RETURNING r.id, r.job_id, r.status`,
      [
        items.map((i) => i.runId),
        items.map((i) => i.deviceId),
        items.map((i) => i.status),
        items.map((i) => i.error),
      ],
    );
    return updated;
  }

  /**
   * Stores each chunk once (a repeated one is skipped); returns the chunks stored now. The
   * batch goes as one JSON array, for the reason finish() gives.
   */
  recordOutput(
    items: readonly OutputInput[],
  ): Promise<{ run_id: string; seq: number; job_id: string }[]> {
    const rows = items.map((i) => ({
      run_id: i.runId,
      device_id: i.deviceId,
      seq: i.seq,
      stream: i.stream,
      data: i.data,
    }));
    return this.dataSource.query(
      `INSERT INTO run_output (run_id, seq, stream, data)
       SELECT v.run_id, v.seq, v.stream, v.data
       FROM json_to_recordset($1::json) AS v(run_id uuid, device_id uuid, seq int, stream text, data text)
       JOIN job_run r ON r.id = v.run_id AND r.device_id = v.device_id AND r.status IN (${FROM.recordOutput})
       ON CONFLICT (run_id, seq) DO NOTHING
       RETURNING run_id, seq, (SELECT job_id FROM job_run WHERE id = run_id) AS job_id`,
      [JSON.stringify(rows)],
    );
  }

  async finish(items: readonly FinishInput[]): Promise<RunChange[]> {
    // The batch goes as one JSON array of epoch-ms times, not twelve parallel arrays, which
    // node-postgres escaped element by element in JavaScript, formatting every Date: for ten
    // thousand results ~100 ms of event loop against ~20 ms (measured on a loaded two-core
    // machine). The validators refuse what JSON could not carry into a text column (NUL,
    // lone surrogates), and a row PostgreSQL refuses still fails the statement as a data
    // fault, so writeBatch retries row by row as before.
    const rows = items.map((i) => ({
      id: i.runId,
      device_id: i.deviceId,
      status: i.status,
      exit_code: i.exitCode ?? null,
      signal: i.signal ?? null,
      error: i.error,
      started: i.startedAt?.getTime() ?? null,
      finished: i.finishedAt?.getTime() ?? null,
      output_bytes: i.outputBytes ?? null,
      truncated: i.truncated ?? null,
      last_seq: i.lastSeq ?? null,
      agent_version: i.agentVersion ?? null,
      software: i.software ?? null,
    }));
    // An agent's word that it updated itself is not enough: the version it is connected with
    // must be the one the update installs (the job's action), else the run failed. The job is
    // joined through the run being updated, not looked up by a second read of job_run.
    const unproven = `(v.status = 'succeeded' AND j.action->>'kind' = 'agent_update'
                       AND v.agent_version IS DISTINCT FROM j.action->>'version')`;
    const [updated] = await this.dataSource.query<[RunChange[], number]>(
      `UPDATE job_run r SET
         status = CASE WHEN ${unproven} THEN 'failed' ELSE v.status END,
         exit_code = v.exit_code, signal = v.signal,
         error = CASE WHEN ${unproven}
           THEN 'the agent reported the update done, but it is connected as version '
                || coalesce(v.agent_version, '(not connected)') || ', not ' || (j.action->>'version')
           ELSE v.error END,
         started_at = coalesce(r.started_at, to_timestamp(v.started / 1000.0)),
         finished_at = coalesce(to_timestamp(v.finished / 1000.0), now()),
         output_bytes = coalesce(v.output_bytes, r.output_bytes), truncated = coalesce(v.truncated, r.truncated),
         last_seq = coalesce(v.last_seq, r.last_seq), software = coalesce(v.software, r.software)
       FROM json_to_recordset($1::json) AS v(
              id uuid, device_id uuid, status text, exit_code bigint, signal text, error text,
              started float8, finished float8, output_bytes bigint, truncated boolean,
              last_seq int, agent_version text, software jsonb),
            job j
       WHERE r.id = v.id AND r.device_id = v.device_id AND r.status IN (${FROM.finish})
         AND j.id = r.job_id
       RETURNING r.id, r.job_id, r.status`,
      [JSON.stringify(rows)],
    );
    return updated;
  }

  /** confirmAgentUpdate: the device authenticated with `version`, not on trial. */
  async confirmAgentUpdate(deviceId: string, version: string): Promise<RunChange[]> {
    const [confirmed] = await this.dataSource.query<[RunChange[], number]>(
      `UPDATE job_run r SET status = 'succeeded', finished_at = now(), error = NULL,
         started_at = coalesce(r.started_at, now())
       FROM job j
       WHERE j.id = r.job_id AND r.device_id = $1 AND r.status IN (${FROM.confirmAgentUpdate})
         AND j.action->>'kind' = 'agent_update' AND j.action->>'version' = $2
       RETURNING r.id, r.job_id, r.status`,
      [deviceId, version],
    );
    return confirmed;
  }

  /** Pending runs whose device did not come online in time, cluster-wide. */
  async expire(): Promise<RunChange[]> {
    const [expired] = await this.dataSource.query<[RunChange[], number]>(
      `UPDATE job_run SET status = 'expired', finished_at = now(),
         error = coalesce(expiry_reason, 'the device did not come online before the run expired; it never ran')
       WHERE status IN (${FROM.expire}) AND expires_at <= now() RETURNING id, job_id, status`,
    );
    return expired;
  }

  /** Runs with no result `graceMs` past their deadline (a dispatched one counts from its expiry). */
  async markLost(graceMs: number): Promise<RunChange[]> {
    const [lost] = await this.dataSource.query<[RunChange[], number]>(
      `UPDATE job_run r SET status = 'lost', finished_at = now(),
         error = 'no result from the device long after the run''s deadline; unknown whether it ran'
       FROM job j WHERE j.id = r.job_id AND r.status IN (${FROM.markLost}) AND (
         (r.status = 'running' AND r.started_at + (j.timeout_ms + $1) * interval '1 millisecond' < now())
         OR (r.status = 'dispatched'
             AND greatest(r.dispatched_at, r.expires_at) + (j.timeout_ms + $1) * interval '1 millisecond' < now()))
       RETURNING r.id, r.job_id, r.status`,
      [graceMs],
    );
    return lost;
  }

  /** The not-yet-sent runs of these jobs; runs already on a device end with the agent's result. */
  async cancel(
    jobIds: readonly string[],
    error: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<RunChange[]> {
    const [cancelled] = await m.query<[RunChange[], number]>(
      `UPDATE job_run SET status = 'cancelled', finished_at = now(), error = $2
       WHERE job_id = ANY($1::uuid[]) AND status IN (${FROM.cancel}) RETURNING id, job_id, status`,
      [jobIds, error],
    );
    return cancelled;
  }

  /** The runs of a job that are on their device now (a cancel must be sent to them). */
  onDevices(
    jobId: string,
    m: EntityManager = this.dataSource.manager,
  ): Promise<Pick<JobRunRow, 'id' | 'device_id'>[]> {
    return m.query(
      `SELECT id, device_id FROM job_run WHERE job_id = $1 AND status IN ('dispatched', 'running')`,
      [jobId],
    );
  }

  /** Which device each of these runs belongs to; unknown ids are missing from the map. */
  async owners(runIds: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.dataSource.query<Pick<JobRunRow, 'id' | 'device_id'>[]>(
      `SELECT id, device_id FROM job_run WHERE id = ANY($1::uuid[])`,
      [runIds],
    );
    return new Map(rows.map((r) => [r.id, r.device_id]));
  }

  /** The devices of a job's runs, optionally only those that ended in one of `states`. */
  async deviceIdsOf(jobId: string, states?: readonly RunState[]): Promise<string[]> {
    const rows = await this.dataSource.query<Pick<JobRunRow, 'device_id'>[]>(
      `SELECT device_id FROM job_run WHERE job_id = $1 ${states ? `AND status IN (${sqlList(states)})` : ''}`,
      [jobId],
    );
    return rows.map((r) => r.device_id);
  }

  /**
   * Runs of each job by state, from `job_run_count` (kept by triggers on job_run in the same
   * transaction as the runs, migration 1765100000000): a few rows per job instead of counting
   * its runs, which a console polling a 10,000-run job paid 4–6 ms of database time for.
   * For display only: settling a job (progress) still asks the runs themselves.
   */
  async counts(jobIds: readonly string[]): Promise<Map<string, RunCounts>> {
    const result = new Map<string, RunCounts>();
    if (jobIds.length === 0) return result;
    const rows = await this.dataSource.query<{ job_id: string; status: RunState; n: number }[]>(
      `SELECT job_id, status, n FROM job_run_count WHERE job_id = ANY($1::uuid[]) AND n <> 0`,
      [jobIds],
    );
    for (const row of rows) {
      const counts = result.get(row.job_id) ?? emptyCounts();
      counts[row.status] = row.n;
      counts.total += row.n;
      result.set(row.job_id, counts);
    }
    return result;
  }

  /**
   * See JobProgress. The dispatcher asks after every batch of results (every 50 ms while a job
   * fans out), so a job without a threshold costs one index probe (IDX_job_run_job_status) for
   * an open run instead of counting all its runs each time; CASE runs a count only when needed.
   */
  progress(jobIds: readonly string[]): Promise<JobProgress[]> {
    const counted = `j.failure_threshold_percent IS NOT NULL AND j.status = 'running'`;
    const count = (states: readonly RunState[]) =>
      `CASE WHEN ${counted} THEN (SELECT count(*) FROM job_run r
         WHERE r.job_id = j.id AND r.status IN (${sqlList(states)})) ELSE 0 END::int`;
    return this.dataSource.query<JobProgress[]>(
      `SELECT j.id, j.status, j.failure_threshold_percent AS threshold,
         (j.max_concurrency IS NOT NULL) AS limited,
         EXISTS (SELECT 1 FROM job_run r
                 WHERE r.job_id = j.id AND r.status IN (${sqlList(OPEN_RUN_STATES)})) AS "hasOpen",
         ${count(TERMINAL_RUN_STATES)} AS finished,
         ${count(FAILED_RUN_STATES)} AS failed
       FROM job j WHERE j.id = ANY($1::uuid[])`,
      [jobIds],
    );
  }

  /** A job's runs, by device name. */
  async pageOfJob(
    jobId: string,
    q: RunPageQuery,
  ): Promise<{ rows: RunWithDevice[]; total: number }> {
    return this.page('r.job_id', jobId, q, (where, limit) =>
      this.dataSource.query<RunWithDevice[]>(
        `${WITH_DEVICE} WHERE ${where} ORDER BY lower(coalesce(d.name, d.hostname)), r.id ${limit}`,
        q.status ? [jobId, q.status] : [jobId],
      ),
    );
  }

  /** One device's runs across every job, newest first (IDX_job_run_device), with job names. */
  async pageOfDevice(
    deviceId: string,
    q: RunPageQuery,
  ): Promise<{ rows: (RunWithDevice & { job_name: string })[]; total: number }> {
    return this.page('r.device_id', deviceId, q, (where, limit) =>
      this.dataSource.query<(RunWithDevice & { job_name: string })[]>(
        `SELECT r.*, d.hostname, d.name, j.name AS job_name
         FROM job_run r JOIN device d ON d.id = r.device_id JOIN job j ON j.id = r.job_id
         WHERE ${where} ORDER BY r.created_at DESC, r.id ${limit}`,
        q.status ? [deviceId, q.status] : [deviceId],
      ),
    );
  }

  async find(id: string): Promise<RunWithDevice | undefined> {
    const [row] = await this.dataSource.query<RunWithDevice[]>(`${WITH_DEVICE} WHERE r.id = $1`, [
      id,
    ]);
    return row;
  }

  private async page<R>(
    column: 'r.job_id' | 'r.device_id',
    id: string,
    q: RunPageQuery,
    select: (where: string, limit: string) => Promise<R[]>,
  ): Promise<{ rows: R[]; total: number }> {
    const where = `${column} = $1${q.status ? ' AND r.status = $2' : ''}`;
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM job_run r WHERE ${where}`,
      q.status ? [id, q.status] : [id],
    );
    // page and pageSize are validated integers (the DTO), never raw input.
    const rows = await select(where, `LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`);
    return { rows, total: n };
  }

  output(runId: string, afterSeq: number): Promise<RunOutputChunk[]> {
    return this.dataSource.query<RunOutputChunk[]>(
      `SELECT seq, stream, data FROM run_output WHERE run_id = $1 AND seq > $2 ORDER BY seq`,
      [runId, afterSeq],
    );
  }
}
