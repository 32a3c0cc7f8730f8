import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type ActionRunSpec,
  actionRunSigningPayload,
  type AgentToServer,
  cancelSigningPayload,
  MAX_RESULTS_ACK,
  newNonces,
  type OutputBody,
  type ResultBody,
  type RunAcceptedBody,
  runBatchSigningPayload,
  type RunBody,
  runBatchTree,
  runLeafHash,
  type RunRejectedBody,
  type RunSpec,
  runSigningPayload,
} from '@fleetdesk/protocol';
import type { RunState, SoftwareRunDetail } from '@fleetdesk/api-types';
import { DataSource } from 'typeorm';
import { SecretBox, SecretBoxError } from '../secrets/secret-box';
import { AgentGatewayService, type RoutedType } from '../agent-gateway/agent-gateway.service';
import { describeDbError, type RejectedRow, writeBatch } from '../common/batch-write';
import { DeviceTelemetryService, type ReportKind } from '../devices/device-telemetry.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { JobEvents } from './job-events';
import { openJobEnv } from './job-env';
import { JobEntity } from './job.entity';
import { LOST_GRACE_MS } from './run-states';
import { type ClaimedRun, type FinishInput, type RunChange, RunStore } from './run-store';

const TICK_MS = 1000;
const FLUSH_MS = 50;
const CLAIM_LIMIT = 20_000;
/**
 * How long one stretch of signing or acknowledging may hold the event loop. An API call
 * waits for one stretch of each loop under way (sending runs, sending acks) at every await
 * it makes (a request is four or five database round trips), so 20 ms slices put 100–200 ms
 * on a call during a fan-out. A yield costs microseconds, so shorter slices cost little.
 */
const SLICE_MS = 5;
/**
 * Runs for protocol-2 agents are signed in batches of this many: one Ed25519 signature per
 * batch (ten thousand runs: ~300 signatures instead of 10,000) and a 5-hash path in each run
 * frame. Bigger batches save little more here but cost every agent more hashing and bytes.
 */
const SIGN_BATCH = 32;
/**
 * Result acks wait this long, so a device that reports several results in the meantime gets
 * one `results_ack`, and acknowledging never competes with the reports still coming in.
 * The agent keeps each result until its ack, so a delay costs nothing but outbox space.
 */
const ACK_DELAY_MS = 500;

/**
 * For loops over thousands of runs: `const p = pause(); if (p) await p;` each iteration
 * yields to the event loop (setImmediate, so I/O and timers go first) once SLICE_MS have
 * passed since the last yield. Only then: even `await undefined` costs a microtask turn.
 */
function slicer(): () => Promise<void> | undefined {
  let start = performance.now();
  return () => {
    if (performance.now() - start < SLICE_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      start = performance.now();
    });
  };
}
/** Agents cap output themselves; the server's own ceiling per run, in case one does not. */
const SERVER_OUTPUT_CAP = 10 * 1024 * 1024;

const OUTCOME_STATE: Record<ResultBody['outcome'], FinishInput['status']> = {
  succeeded: 'succeeded',
  failed: 'failed',
  timed_out: 'timed_out',
  cancelled: 'cancelled',
  interrupted: 'failed',
};

/** A software run that just ended with the agent's report, for features that follow package changes. */
export interface SoftwareRunFinished {
  runId: string;
  jobId: string;
  deviceId: string;
  status: RunState;
  finishedAt: Date;
  software: SoftwareRunDetail;
}

/** Called once per batch of results, on the server node that recorded them (each run once). */
export type SoftwareRunListener = (runs: readonly SoftwareRunFinished[]) => Promise<void>;

type Report<T> = {
  deviceId: string;
  body: T;
  /** For results: the version the device was connected with when it sent this. */
  agentVersion?: string | null;
};

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
  private ticking?: Promise<void>;
  private passing?: Promise<void>;
  /** Devices that (re)connected: their already-dispatched runs are sent again. */
  private readonly reconnected = new Set<string>();
  private readonly jobCache = new Map<string, JobEntity>();
  private accepted: { deviceId: string; body: RunAcceptedBody }[] = [];
  private rejected: { deviceId: string; body: RunRejectedBody }[] = [];
  private outputs: { deviceId: string; body: OutputBody }[] = [];
  private results: Report<ResultBody>[] = [];
  private writing: Promise<void> = Promise.resolve();
  /** Stored results not acknowledged yet, by device: sent by the ack timer. */
  private acks = new Map<string, Set<string>>();
  private readonly softwareListeners: SoftwareRunListener[] = [];
  private ackTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly gateway: AgentGatewayService,
    private readonly serverKeys: ServerKeysService,
    private readonly events: JobEvents,
    private readonly box: SecretBox,
    private readonly telemetry: DeviceTelemetryService,
    private readonly runs: RunStore,
  ) {}

  onApplicationBootstrap(): void {
    for (const type of ['run_accepted', 'run_rejected', 'output', 'result'] as const)
      this.gateway.route(type, (deviceId, body) => this.receive(type, deviceId, body));
    this.gateway.onAuthenticated((deviceId, agentVersion) => {
      this.reconnected.add(deviceId);
      this.kick();
      void this.confirmAgentUpdates(deviceId, agentVersion);
    });
    this.tickTimer = setInterval(() => {
      this.ticking = this.tick();
    }, TICK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.tickTimer);
    // A sweep or dispatch pass under way finishes first: the database closes after this hook.
    await this.ticking;
    await this.passing;
    clearTimeout(this.flushTimer);
    await this.flush();
    clearTimeout(this.ackTimer);
    await this.sendAcks();
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
      if (this.stopped) {
        this.dispatching = false;
        return;
      }
      this.passing = this.dispatchOnce()
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
  receive<
    T extends Exclude<
      RoutedType,
      | 'check_results'
      | 'follow_status'
      | 'follow_lines'
      | 'dir_listing'
      | 'web_check_results'
      | 'log_manifest'
    >,
  >(type: T, deviceId: string, body: AgentToServer[T]): void {
    const report = { deviceId, body } as Report<never>;
    switch (type) {
      case 'run_accepted':
        return this.buffer(this.accepted, report);
      case 'run_rejected':
        return this.buffer(this.rejected, report);
      case 'output':
        return this.buffer(this.outputs, report);
      case 'result': {
        // Output sent inside the result is stored like output frames, before the result.
        const { output, ...result } = body as ResultBody;
        for (const chunk of output ?? []) {
          this.outputs.push({ deviceId, body: { runId: result.runId, ...chunk } });
        }
        // The version is taken now: by the time the batch is written the socket may be gone.
        return this.buffer(this.results, {
          deviceId,
          body: result,
          agentVersion: this.gateway.agentVersionOf(deviceId),
        });
      }
    }
  }

  /** Sends a signed cancel to each run's device when it is connected here. */
  cancelRuns(runs: { runId: string; deviceId: string }[]): void {
    for (const { runId, deviceId } of runs) {
      const signature = this.serverKeys.sign(cancelSigningPayload(runId, deviceId));
      this.gateway.send(deviceId, 'cancel', { runId, deviceId, signature });
    }
  }

  /**
   * An agent update is done when the device comes back with the new version (and not on
   * trial: the gateway only reports those). The agent's own result for it, sent from its
   * outbox after that, then finds the run final and changes nothing.
   */
  private async confirmAgentUpdates(deviceId: string, agentVersion: string): Promise<void> {
    try {
      const touched = new Set<string>();
      this.changed(await this.runs.confirmAgentUpdate(deviceId, agentVersion), touched);
      if (touched.size > 0) await this.settleJobs([...touched]);
    } catch (error) {
      this.logger.error(`confirming agent updates of ${deviceId} failed: ${String(error)}`);
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
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
    if (again.length > 0) await this.send(await this.runs.dispatchedTo(again));

    // Nearly every pass (one a second, and one per connect) finds nothing to claim; asking
    // first spares the claim's list of every connected device's id.
    if (!(await this.runs.anyClaimable())) return;
    const claimed = await this.runs.claim(online, CLAIM_LIMIT);
    await this.send(claimed);
    if (claimed.length === CLAIM_LIMIT) this.again = true;
  }

  private async send(runs: ClaimedRun[]): Promise<void> {
    if (runs.length === 0) return;
    const { jobs, unreadable } = await this.loadJobs([...new Set(runs.map((r) => r.job_id))]);
    if (unreadable.size > 0) await this.failUnreadable(runs, unreadable);
    // Signing is ~0.05 ms a run: ten thousand in one go would hold the event loop for half a
    // second or more, and every API call and agent report with it. Protocol-2 agents get
    // their runs batch-signed (one signature per SIGN_BATCH runs); older ones one each.
    const pause = slicer();
    const nonces = newNonces(runs.length);
    // Jobs whose first run frame this pass went through the full validator (see sendRun).
    const checked = new Set<string>();
    let batch: { spec: RunSpec; deviceId: string }[] = [];
    for (const [i, run] of runs.entries()) {
      const yielded = pause();
      if (yielded) await yielded;
      const job = jobs.get(run.job_id);
      const version = this.gateway.protocolVersion(run.device_id);
      // Not connected any more: the run stays dispatched and is sent again on reconnect.
      if (!job || version === undefined) continue;
      if (job.action) {
        const spec: ActionRunSpec = {
          runId: run.id,
          jobId: job.id,
          deviceId: run.device_id,
          action: job.action,
          timeoutMs: job.timeoutMs,
          expiresAt: run.expires_ms,
          issuedAt: Date.now(),
          nonce: nonces[i],
        };
        const signature = this.serverKeys.sign(actionRunSigningPayload(spec));
        this.gateway.send(run.device_id, 'run_action', { spec, signature });
        this.events.emit('run.status', { jobId: job.id, runId: run.id, status: 'dispatched' });
        continue;
      }
      const spec: RunSpec = {
        runId: run.id,
        jobId: job.id,
        deviceId: run.device_id,
        language: job.language ?? 'sh',
        script: job.body,
        scriptSha256: job.bodySha256,
        env: job.env,
        args: job.args,
        timeoutMs: job.timeoutMs,
        expiresAt: run.expires_ms,
        issuedAt: Date.now(),
        nonce: nonces[i],
        maxOutputBytes: SERVER_OUTPUT_CAP,
      };
      if (version < 2) {
        const signature = this.serverKeys.sign(runSigningPayload(spec));
        this.sendRun(spec, { spec, signature }, checked);
        continue;
      }
      batch.push({ spec, deviceId: run.device_id });
      if (batch.length === SIGN_BATCH) {
        await this.sendBatch(batch, pause, checked);
        batch = [];
      }
    }
    if (batch.length > 0) await this.sendBatch(batch, pause, checked);
  }

  /** One signature over the batch's Merkle root; each run goes with its path to that root. */
  private async sendBatch(
    batch: { spec: RunSpec; deviceId: string }[],
    pause: () => Promise<void> | undefined,
    checked: Set<string>,
  ): Promise<void> {
    const tree = runBatchTree(batch.map((b) => runLeafHash(b.spec)));
    const signature = this.serverKeys.sign(runBatchSigningPayload(tree.root, batch.length));
    for (let index = 0; index < batch.length; index++) {
      const yielded = pause();
      if (yielded) await yielded;
      const { spec } = batch[index] as { spec: RunSpec };
      const path = tree.paths[index];
      this.sendRun(spec, { spec, signature, batch: { index, size: batch.length, path } }, checked);
    }
  }

  /**
   * The first run of each job in a pass is encoded through the protocol's validator; the
   * job's fields (script, env, args, timeouts) are the same in all its runs and the rest is
   * made here (ids from the claim, times, nonces, signatures, Merkle paths), so the others
   * skip it: re-validating ten thousand frames the server built was ~12 % of its time in a
   * fan-out (profile in BENCHMARKS.md). The agent validates every frame it receives.
   */
  private sendRun(spec: RunSpec, body: RunBody, checked: Set<string>): void {
    if (checked.has(spec.jobId)) {
      this.gateway.sendTrusted(spec.deviceId, 'run', body);
    } else if (this.gateway.send(spec.deviceId, 'run', body)) {
      checked.add(spec.jobId);
    }
    this.events.emit('run.status', { jobId: spec.jobId, runId: spec.runId, status: 'dispatched' });
  }

  /**
   * The jobs of claimed runs, their sealed env opened. A job whose sealed values no longer open
   * (the secret key changed, the row was altered) is left out and named in `unreadable`, so
   * one bad row fails its own runs instead of every dispatch pass.
   */
  private async loadJobs(
    ids: string[],
  ): Promise<{ jobs: Map<string, JobEntity>; unreadable: Map<string, string> }> {
    const unreadable = new Map<string, string>();
    const missing = ids.filter((id) => !this.jobCache.has(id));
    if (missing.length > 0) {
      const rows = await this.dataSource
        .getRepository(JobEntity)
        .createQueryBuilder('j')
        .where('j.id IN (:...ids)', { ids: missing })
        .getMany();
      if (this.jobCache.size > 1000) this.jobCache.clear();
      for (const job of rows) {
        try {
          // Opened once per job and kept in memory only, never written back.
          this.jobCache.set(job.id, { ...job, ...openJobEnv(this.box, job) });
        } catch (error) {
          if (!(error instanceof SecretBoxError)) throw error;
          this.logger.error(`job ${job.id}: ${error.message}`);
          unreadable.set(job.id, error.message);
        }
      }
    }
    const jobs = new Map(
      ids.flatMap((id) =>
        this.jobCache.has(id) ? [[id, this.jobCache.get(id) as JobEntity]] : [],
      ),
    );
    return { jobs, unreadable };
  }

  private async failUnreadable(runs: ClaimedRun[], unreadable: Map<string, string>) {
    const touched = new Set<string>();
    const rows = await this.runs.reject(
      runs.flatMap((run) => {
        const reason = unreadable.get(run.job_id);
        return reason === undefined
          ? []
          : [
              {
                runId: run.id,
                deviceId: run.device_id,
                status: 'failed' as const,
                error: `not sent: the job's sealed parameters cannot be opened (${reason})`.slice(
                  0,
                  1024,
                ),
              },
            ];
      }),
    );
    this.changed(rows, touched);
    await this.settleJobs([...touched]);
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
      (batch) =>
        this.runs.accept(
          batch.map((i) => ({
            runId: i.body.runId,
            deviceId: i.deviceId,
            startedAt: new Date(i.body.startedAt),
          })),
        ),
      // The run stays dispatched; its result, when it comes, still records it.
      this.refusedBy('run_accepted'),
    );
    this.changed(rows, touched);
  }

  private async writeRejected(items: Report<RunRejectedBody>[], touched: Set<string>) {
    // 'duplicate' means the agent already has this run: its result comes from its outbox.
    const final = items.filter((i) => i.body.reason !== 'duplicate');
    const rows = await writeBatch(
      final,
      (batch) =>
        this.runs.reject(
          batch.map((i) => ({
            runId: i.body.runId,
            deviceId: i.deviceId,
            status: i.body.reason === 'expired' ? 'expired' : 'failed',
            error: `the agent refused the run (${i.body.reason}): ${i.body.message}`.slice(0, 1024),
          })),
        ),
      this.refusedBy('run_rejected'),
    );
    this.changed(rows, touched);
  }

  /** Tells consoles about runs that changed state, and marks their jobs for settling. */
  private changed(rows: readonly RunChange[], touched: Set<string>): void {
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
        this.runs.recordOutput(
          batch.map(({ deviceId, body }) => ({
            runId: body.runId,
            deviceId,
            seq: body.seq,
            stream: body.stream,
            // PostgreSQL text cannot hold NUL; the protocol refuses it, this is for older senders.
            data: body.data.replaceAll(String.fromCharCode(0), '\uFFFD'),
          })),
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
    this.changed(updated, touched);
    await this.tellSoftwareListeners(items, updated);
    // Acknowledge every result whose run exists for that device, new or already recorded, so
    // the agent can empty its outbox; a duplicate changes nothing above. A run just finished
    // is the device's own (finish matched it by device); only the rest need looking up.
    const finished = new Set(updated.map((r) => r.id));
    const others = items.filter((i) => !finished.has(i.body.runId));
    const owner =
      others.length > 0 ? await this.runs.owners(others.map((i) => i.body.runId)) : null;
    for (const { deviceId, body } of items) {
      const runOwner = finished.has(body.runId) ? deviceId : owner?.get(body.runId);
      // No owner: the job was deleted; nothing to record, but the agent must stop re-sending.
      if (runOwner === deviceId || runOwner === undefined) this.ack(deviceId, body.runId);
      else this.logger.warn(`device ${deviceId} sent a result for a run of another device`);
    }
  }

  /** Features that follow package changes (patch compliance) hear of each software run's end. */
  onSoftwareRunFinished(listener: SoftwareRunListener): void {
    this.softwareListeners.push(listener);
  }

  /**
   * Only runs this write just ended: `finish` moves a run out of an open state once, so a
   * re-sent result, or one another node already recorded, is not reported twice. A listener
   * that fails is logged; the results are stored and acknowledged all the same.
   */
  private async tellSoftwareListeners(
    items: readonly Report<ResultBody>[],
    updated: readonly RunChange[],
  ): Promise<void> {
    if (this.softwareListeners.length === 0) return;
    const ended = new Map(updated.map((r) => [r.id, r]));
    const runs: SoftwareRunFinished[] = [];
    for (const { deviceId, body } of items) {
      const row = ended.get(body.runId);
      if (!row || !body.software) continue;
      runs.push({
        runId: row.id,
        jobId: row.job_id,
        deviceId,
        status: row.status,
        finishedAt: new Date(body.finishedAt),
        software: body.software,
      });
    }
    if (runs.length === 0) return;
    for (const listener of this.softwareListeners) {
      try {
        await listener(runs);
      } catch (err) {
        this.logger.error(`a software run listener failed: ${describeDbError(err).message}`);
      }
    }
  }

  private ack(deviceId: string, runId: string): void {
    const list = this.acks.get(deviceId);
    if (list) list.add(runId);
    else this.acks.set(deviceId, new Set([runId]));
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      void this.sendAcks();
    }, ACK_DELAY_MS);
  }

  /** One `results_ack` per device (protocol 2), or one `result_ack` per result (older agents). */
  private async sendAcks(): Promise<void> {
    const acks = this.acks;
    this.acks = new Map();
    const pause = slicer();
    for (const [deviceId, ids] of acks) {
      const yielded = pause();
      if (yielded) await yielded;
      const runIds = [...ids];
      // Not connected: the agent re-sends these results on reconnect and is acked then.
      const version = this.gateway.protocolVersion(deviceId);
      if (version === undefined) continue;
      if (version < 2) {
        for (const runId of runIds) this.gateway.send(deviceId, 'result_ack', { runId });
        continue;
      }
      // Run ids the agents sent and the validator passed: nothing here to check again.
      for (let i = 0; i < runIds.length; i += MAX_RESULTS_ACK) {
        this.gateway.sendTrusted(deviceId, 'results_ack', {
          runIds: runIds.slice(i, i + MAX_RESULTS_ACK),
        });
      }
    }
  }

  private updateResults(items: readonly Report<ResultBody>[]) {
    return this.runs.finish(
      items.map(({ deviceId, body: x, agentVersion }) => ({
        runId: x.runId,
        deviceId,
        status: OUTCOME_STATE[x.outcome],
        exitCode: x.exitCode ?? null,
        signal: x.signal ?? null,
        error:
          x.outcome === 'interrupted'
            ? (x.error ?? 'the agent stopped while this run was in progress; it was not run again')
            : (x.error ?? null),
        startedAt: new Date(x.startedAt),
        finishedAt: new Date(x.finishedAt),
        outputBytes: x.outputBytes,
        truncated: x.truncated,
        lastSeq: x.lastSeq,
        agentVersion,
        software: x.software ?? null,
      })),
    );
  }

  private failUnstorableResults(refused: RejectedRow<Report<ResultBody>>[]) {
    return this.runs.finish(
      refused.map(({ item, error }) => ({
        runId: item.body.runId,
        deviceId: item.deviceId,
        status: 'failed',
        error:
          `the device reported a result the database could not store (${describeDbError(error).message}); its outcome is unknown`.slice(
            0,
            1024,
          ),
      })),
    );
  }

  /** Ends runs that can no longer happen, then settles the jobs they belong to. */
  private async sweep(): Promise<void> {
    const touched = new Set<string>();
    this.changed(await this.runs.expire(), touched);
    this.changed(await this.runs.markLost(LOST_GRACE_MS), touched);
    if (touched.size > 0) await this.settleJobs([...touched]);
  }

  /** Stops jobs over their failure threshold and completes jobs with nothing left open. */
  private async settleJobs(jobIds: string[]): Promise<void> {
    const stats = await this.runs.progress(jobIds);
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
          await this.runs.cancel([s.id], `not started: the job was ${reason}`, m);
        });
        this.events.emit('job.changed', { jobId: s.id });
      }
      if (!s.hasOpen) {
        await this.dataSource.query(
          `UPDATE job SET status = CASE WHEN status = 'running' THEN 'completed' ELSE status END,
             finished_at = coalesce(finished_at, now())
           WHERE id = $1 AND finished_at IS NULL`,
          [s.id],
        );
        this.events.emit('job.changed', { jobId: s.id });
      }
    }
    // Finished runs free slots only under a concurrency limit; otherwise a dispatch pass here
    // would only repeat the claim query (every connected device's id) on every 50 ms flush.
    if (stats.some((s) => s.limited && s.hasOpen)) this.kick();
  }
}
