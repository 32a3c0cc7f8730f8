import type { KeyObject } from 'node:crypto';
import type { SoftwareRunDetail } from '@fleetdesk/api-types';
import {
  LIMITS,
  type ActionKind,
  type ActionRunSpec,
  type AgentMessageType,
  type CancelBody,
  MAX_INLINE_OUTPUT,
  type MessageBodies,
  type OutputBody,
  type ResultBody,
  type RunActionBody,
  type RunActions,
  type RunBody,
  type RunSpec,
} from '@fleetdesk/protocol';
import type { JobMessage, Session, SessionHandle } from '../connection';
import { errorMessage, type Logger } from '../log';
import {
  checkActionRun,
  checkCancel,
  checkExpiry,
  checkRun,
  type CheckContext,
  type Rejection,
} from './checks';
import {
  removeRunDirs,
  startExecution,
  type Execution,
  type ExecutionOptions,
  type StopReason,
} from './executor';
import { Journal } from './journal';
import { Outbox } from './outbox';
import { secretsToMask } from './mask';
import { OutputCollector } from './output';

export const DEFAULT_MAX_CONCURRENT_RUNS = 4;

/**
 * A run that ends within this long after it started is reported in one frame: its result,
 * with its output inline and no `run_accepted` (the server needs neither separately). A run
 * still going after it, or with more output than fits, announces itself and streams as usual.
 * Only what is sent waits: the journal and the outbox are written at once, as always.
 */
export const QUICK_RUN_MS = 250;
/** The most output (UTF-16 units, before JSON escaping) a result carries inline. */
export const INLINE_OUTPUT_CHARS = 32 * 1024;

export const INTERRUPTED_BY_CRASH =
  'the agent stopped while this run was in progress; it was not run again';
export const INTERRUPTED_BY_STOP =
  'the agent was shut down while this run was in progress; the process tree was killed and the run will not be run again';

/** What an action handler gets besides the action: its run's id and an output channel. */
export interface ActionContext {
  runId: string;
  /** A line of progress for the run's output (kept in the outbox like script output). */
  say(line: string): void;
  log: Logger;
}

/** How an action ended. `afterResult` runs once the result is safely in the outbox. */
export interface ActionOutcome {
  outcome: 'succeeded' | 'failed';
  error?: string;
  /** A software run's versions and reboot state, sent with its result. */
  software?: SoftwareRunDetail;
  afterResult?: () => void;
}

export type ActionHandler<K extends ActionKind> = (
  action: RunActions[K],
  ctx: ActionContext,
) => Promise<ActionOutcome>;

/** The actions this agent performs; a kind without a handler is refused. */
export type ActionHandlers = { readonly [K in ActionKind]?: ActionHandler<K> };

export interface RunManagerOptions {
  /** The journal and the outbox live here. */
  stateDir: string;
  deviceId: string;
  /** Pinned at enrollment; every run and cancel must be signed by it. */
  serverPublicKey: KeyObject;
  log: Logger;
  maxConcurrentRuns?: number;
  /** Passed to every execution (tests shorten the kill grace, pick the temp dir). */
  execution?: Pick<ExecutionOptions, 'baseEnv' | 'killGraceMs' | 'tmpRoot' | 'platform'>;
  /** Output batching, for tests. */
  flushMs?: number;
  actions?: ActionHandlers;
}

interface ActiveRun {
  spec: RunSpec | ActionRunSpec;
  /** An action run: it does its own work and cannot be cancelled once started. */
  action?: ActionKind;
  /** Set once the start is journaled. */
  startedAt?: number;
  execution?: Execution;
  /** A stop that came before the execution existed. */
  stop?: { reason: StopReason; error: string };
  /** Started, not announced yet (QUICK_RUN_MS): the output chunks saved but not sent. */
  held?: { chunks: OutputBody[]; chars: number; timer: NodeJS.Timeout };
}

type Task = () => Promise<void>;

/**
 * Exactly-once execution over at-least-once delivery. A run is journaled (fsync) before it
 * starts and never starts twice; its output and result go to the outbox before the socket
 * and stay there until `result_ack`, re-sent after every reconnect and restart. Runs beyond
 * the concurrency limit wait in memory, unjournaled: the server re-delivers them if the
 * agent dies first.
 *
 * Everything written or sent about one run goes through that run's lane, a promise chain,
 * so chunks reach disk and socket in seq order and the result always comes last.
 */
export class RunManager {
  private session: Session | null = null;
  private closing = false;
  private readonly queue: RunSpec[] = [];
  private readonly active = new Map<string, ActiveRun>();
  private readonly running = new Set<Promise<void>>();
  private readonly lanes = new Map<string, Promise<void>>();
  private readonly maxConcurrent: number;
  private readonly checks: CheckContext;

  private constructor(
    private readonly options: RunManagerOptions,
    private readonly journal: Journal,
    private readonly outbox: Outbox,
  ) {
    this.maxConcurrent = Math.max(1, options.maxConcurrentRuns ?? DEFAULT_MAX_CONCURRENT_RUNS);
    this.checks = { deviceId: options.deviceId, serverPublicKey: options.serverPublicKey };
  }

  /** Loads the journal and outbox, and settles what a crash left behind (see `recover`). */
  static async open(options: RunManagerOptions): Promise<RunManager> {
    const outbox = await Outbox.open(options.stateDir);
    const journal = await Journal.load(options.stateDir, { keep: (id) => !!outbox.result(id) });
    const manager = new RunManager(options, journal, outbox);
    await manager.recover();
    return manager;
  }

  /**
   * Hands the manager a fresh authenticated session: everything the server may have missed
   * goes out again (runs under way: run_accepted and their output so far; finished runs:
   * output, then result), and job messages on it come here.
   */
  attach(session: Session): SessionHandle {
    this.session = session;
    const runIds = new Set([
      ...[...this.active.values()]
        .filter((r) => r.startedAt !== undefined)
        .map((r) => r.spec.runId),
      ...this.outbox.pendingResults().map((r) => r.runId),
    ]);
    for (const runId of runIds) void this.lane(runId, () => this.resend(runId, session));
    return {
      close: () => {
        if (this.session === session) this.session = null;
      },
      onMessage: (message) => this.receive(message),
    };
  }

  receive(message: JobMessage): void {
    switch (message.type) {
      case 'run':
        return this.onRun(message.body);
      case 'run_action':
        return this.onRunAction(message.body);
      case 'cancel':
        return this.onCancel(message.body);
      case 'result_ack':
        return this.onResultAck(message.body.runId);
      case 'results_ack':
        for (const runId of message.body.runIds) this.onResultAck(runId);
        return;
    }
  }

  /**
   * Stops for good: queued runs are dropped (never journaled, so the server delivers them
   * again), running ones are killed and reported `interrupted`. Resolves once their results
   * are in the outbox (and sent, if still connected).
   */
  async close(): Promise<void> {
    this.closing = true;
    const dropped = this.queue.splice(0);
    if (dropped.length > 0) {
      this.options.log.info(
        `dropping ${dropped.length} queued run(s); the server will deliver them again`,
      );
    }
    for (const run of this.active.values()) this.stopRun(run, 'interrupted', INTERRUPTED_BY_STOP);
    await Promise.all(this.running);
    await Promise.all(this.lanes.values());
  }

  // ---- incoming -----------------------------------------------------------------------

  private onRun(body: RunBody): void {
    const { spec } = body;
    const runId = spec.runId;
    const rejection = checkRun(body, this.checks);
    if (rejection) return this.reject(runId, rejection);
    if (this.alreadyHere(runId)) return;
    const expired = checkExpiry(spec, Date.now());
    if (expired) return this.reject(runId, expired);
    if (this.closing) {
      this.options.log.info(`not taking run ${runId}: the agent is stopping`);
      return;
    }
    this.queue.push(spec);
    this.pump();
  }

  /**
   * Journaled like a script run and outside the concurrency limit: an action is the agent's
   * own work (an update must not wait behind a long script), one per run id, exactly once.
   */
  private onRunAction(body: RunActionBody): void {
    const { spec } = body;
    const { runId } = spec;
    const rejection = checkActionRun(body, this.checks);
    if (rejection) return this.reject(runId, rejection);
    if (this.alreadyHere(runId)) return;
    const expired = checkExpiry(spec, Date.now());
    if (expired) return this.reject(runId, expired);
    const handler = this.options.actions?.[spec.action.kind];
    if (!handler) {
      return this.reject(runId, {
        reason: 'invalid',
        message: `this agent does not perform ${spec.action.kind} actions`,
      });
    }
    if (this.closing) {
      this.options.log.info(`not taking run ${runId}: the agent is stopping`);
      return;
    }
    const run: ActiveRun = { spec, action: spec.action.kind };
    this.active.set(runId, run);
    // The table is keyed by kind, so the handler found takes exactly this action's shape.
    const typed = handler as ActionHandler<ActionKind>;
    const finished = this.performAction(run, spec, typed).finally(() => {
      this.active.delete(runId);
      this.running.delete(finished);
    });
    this.running.add(finished);
  }

  /**
   * True when this run id is already queued, running, finished (its result is re-sent) or
   * journaled (refused as a duplicate): a re-delivery never starts a run twice.
   */
  private alreadyHere(runId: string): boolean {
    if (this.queue.some((s) => s.runId === runId)) {
      this.options.log.info(`run ${runId} is already queued; ignoring the re-delivery`);
      return true;
    }
    const active = this.active.get(runId);
    if (active) {
      // run_accepted was probably lost: say it again (it comes once the start is journaled).
      const { startedAt } = active;
      if (startedAt !== undefined) {
        void this.lane(runId, () => {
          if (active.held) this.announce(active);
          else this.send('run_accepted', { runId, startedAt });
          return Promise.resolve();
        });
      }
      return true;
    }
    if (this.outbox.result(runId)) {
      this.options.log.info(`run ${runId} already ran; sending its result again`);
      void this.lane(runId, () => this.resend(runId, this.session));
      return true;
    }
    const journaled = this.journal.get(runId);
    if (journaled) {
      this.reject(runId, {
        reason: 'duplicate',
        message: `run ${runId} already started on this device at ${new Date(journaled.startedAt).toISOString()}; a run never starts twice`,
      });
      return true;
    }
    return false;
  }

  private onCancel(body: CancelBody): void {
    const { runId } = body;
    const problem = checkCancel(body, this.checks);
    if (problem) {
      this.options.log.warn(`ignoring a cancel for run ${runId}: ${problem}`, 'cancel refused');
      return;
    }
    const queued = this.queue.findIndex((s) => s.runId === runId);
    const spec = queued >= 0 ? this.queue.splice(queued, 1)[0] : undefined;
    if (spec) {
      this.options.log.info(`run ${runId} cancelled before it started`);
      return this.cancelQueued(spec);
    }
    const run = this.active.get(runId);
    if (run?.action) {
      this.options.log.info(
        `ignoring a cancel for run ${runId}: a ${run.action} cannot be stopped once started`,
      );
      return;
    }
    if (run) {
      this.options.log.info(`cancelling run ${runId}: killing its process tree`);
      return this.stopRun(run, 'cancelled', 'cancelled by the server; the process tree was killed');
    }
    this.options.log.info(`ignoring a cancel for run ${runId}: it is not queued or running here`);
  }

  private onResultAck(runId: string): void {
    if (this.active.has(runId) && !this.outbox.result(runId)) {
      this.options.log.warn(
        `ignoring result_ack for run ${runId}: it is still running`,
        'early result_ack',
      );
      return;
    }
    void this.lane(runId, () => this.outbox.remove(runId));
  }

  // ---- running ------------------------------------------------------------------------

  private pump(): void {
    while (!this.closing && this.queue.length > 0 && this.active.size < this.maxConcurrent) {
      const spec = this.queue.shift();
      if (!spec) break;
      const run: ActiveRun = { spec };
      this.active.set(spec.runId, run);
      const finished = this.execute(run).finally(() => {
        this.active.delete(spec.runId);
        this.running.delete(finished);
        this.pump();
      });
      this.running.add(finished);
    }
  }

  /** Journal, run_accepted, the handler, then the result: the same path as a script run. */
  private async performAction(
    run: ActiveRun,
    spec: ActionRunSpec,
    handler: ActionHandler<ActionKind>,
  ): Promise<void> {
    const { runId } = spec;
    const startedAt = await this.journalStart(runId, spec.expiresAt);
    if (startedAt === null) return;
    run.startedAt = startedAt;
    void this.lane(runId, () => {
      this.send('run_accepted', { runId, startedAt });
      return Promise.resolve();
    });
    this.options.log.info(`run ${runId} (job ${spec.jobId}, ${spec.action.kind}) started`);
    const collector = new OutputCollector({
      runId,
      maxBytes: 256 * 1024,
      flushMs: this.options.flushMs,
      secrets: [],
      emit: (chunk) => void this.lane(runId, () => this.recordOutput(chunk)),
    });
    let end: ActionOutcome;
    try {
      end = await handler(spec.action, {
        runId,
        log: this.options.log,
        say: (line) => collector.push('stdout', Buffer.from(`${line}\n`, 'utf8')),
      });
    } catch (err) {
      end = { outcome: 'failed', error: `the ${spec.action.kind} failed: ${errorMessage(err)}` };
    }
    const result: ResultBody = {
      runId,
      outcome: end.outcome,
      startedAt,
      finishedAt: Date.now(),
      ...collector.finish(),
    };
    if (end.error !== undefined) result.error = clip(end.error);
    if (end.software !== undefined) result.software = end.software;
    this.options.log.info(`run ${runId} ${end.outcome}${end.error ? `: ${end.error}` : ''}`);
    await this.lane(runId, () => this.complete(result));
    end.afterResult?.();
  }

  /** Journals a start (fsync) and returns its time; null when it could not (reported failed). */
  private async journalStart(runId: string, expiresAt: number): Promise<number | null> {
    const startedAt = Date.now();
    try {
      await this.journal.append([{ runId, event: 'started', at: startedAt, expiresAt }]);
      return startedAt;
    } catch (err) {
      // Not journaled, so not run; not in the outbox either, so if this result is lost the
      // server delivers the run again, and the disk may have recovered by then.
      this.options.log.error(
        `run ${runId} not started: cannot write the journal: ${errorMessage(err)}`,
      );
      this.send('result', {
        runId,
        outcome: 'failed',
        startedAt,
        finishedAt: Date.now(),
        lastSeq: -1,
        outputBytes: 0,
        truncated: false,
        error: clip(
          `the agent could not write its journal, so the run was not started: ${errorMessage(err)}`,
        ),
      });
      return null;
    }
  }

  private async execute(run: ActiveRun): Promise<void> {
    const spec = run.spec as RunSpec;
    const { runId } = spec;
    // It may have waited in the queue long enough to expire.
    const expired = checkExpiry(spec, Date.now());
    if (expired) return this.reject(runId, expired);

    const startedAt = await this.journalStart(runId, spec.expiresAt);
    if (startedAt === null) return;
    run.startedAt = startedAt;
    run.held = {
      chunks: [],
      chars: 0,
      timer: setTimeout(
        () =>
          void this.lane(runId, () => {
            this.announce(run);
            return Promise.resolve();
          }),
        QUICK_RUN_MS,
      ),
    };
    this.options.log.info(`run ${runId} (job ${spec.jobId}, ${spec.language}) started`);

    const collector = new OutputCollector({
      runId,
      maxBytes: spec.maxOutputBytes,
      flushMs: this.options.flushMs,
      secrets: secretsToMask(spec.env),
      emit: (chunk) => void this.lane(runId, () => this.recordOutput(chunk)),
    });
    const execution = startExecution({
      ...this.options.execution,
      spec,
      log: this.options.log,
      onOutput: (stream, data) => collector.push(stream, data),
    });
    run.execution = execution;
    if (run.stop) execution.stop(run.stop.reason, run.stop.error);

    const end = await execution.done;
    const output = collector.finish();
    const result: ResultBody = {
      runId,
      outcome: end.outcome,
      startedAt,
      finishedAt: Date.now(),
      ...output,
    };
    if (end.exitCode !== undefined) result.exitCode = end.exitCode;
    if (end.signal !== undefined) result.signal = end.signal;
    if (end.error !== undefined) result.error = clip(end.error);
    this.options.log.info(
      `run ${runId} ${end.outcome}${end.exitCode !== undefined ? ` (exit code ${end.exitCode})` : ''}`,
    );
    await this.lane(runId, () => this.complete(result));
  }

  private stopRun(run: ActiveRun, reason: StopReason, error: string): void {
    if (run.execution) run.execution.stop(reason, error);
    else run.stop ??= { reason, error };
  }

  /** A queued run cancelled: never started, but journaled so a re-delivery is refused. */
  private cancelQueued(spec: RunSpec): void {
    const { runId } = spec;
    const now = Date.now();
    const result: ResultBody = {
      runId,
      outcome: 'cancelled',
      startedAt: now,
      finishedAt: now,
      lastSeq: -1,
      outputBytes: 0,
      truncated: false,
      error: 'cancelled before it started; nothing was run',
    };
    // Called now, not in the lane: the outbox answers a re-delivery from this moment on.
    const saved = this.outbox.writeResult(result);
    void this.lane(runId, async () => {
      await saved.catch((err: unknown) => this.diskError(runId, 'save the result', err));
      await this.journal
        .append([
          { runId, event: 'started', at: now, expiresAt: spec.expiresAt },
          { runId, event: 'finished', at: now },
        ])
        .catch((err: unknown) => this.diskError(runId, 'journal the cancel', err));
      this.send('result', result);
    });
  }

  // ---- lanes: disk first, then the socket ---------------------------------------------

  private lane(runId: string, task: Task): Promise<void> {
    const next = (this.lanes.get(runId) ?? Promise.resolve()).then(task).catch((err: unknown) => {
      this.options.log.error(`run ${runId}: ${errorMessage(err)}`, 'run bookkeeping failed');
    });
    this.lanes.set(runId, next);
    void next.then(() => {
      if (this.lanes.get(runId) === next) this.lanes.delete(runId);
    });
    return next;
  }

  private async recordOutput(chunk: OutputBody): Promise<void> {
    await this.outbox
      .appendOutput(chunk)
      .catch((err: unknown) => this.diskError(chunk.runId, 'save output', err));
    const run = this.active.get(chunk.runId);
    const held = run?.held;
    if (
      held &&
      held.chunks.length < MAX_INLINE_OUTPUT &&
      held.chars + chunk.data.length <= INLINE_OUTPUT_CHARS
    ) {
      held.chunks.push(chunk);
      held.chars += chunk.data.length;
      return;
    }
    if (run) this.announce(run);
    this.send('output', chunk);
  }

  /** The run is not quick after all: run_accepted, then the output held so far. */
  private announce(run: ActiveRun): void {
    const { held, startedAt } = run;
    if (!held || startedAt === undefined) return;
    clearTimeout(held.timer);
    run.held = undefined;
    this.send('run_accepted', { runId: run.spec.runId, startedAt });
    for (const chunk of held.chunks) this.send('output', chunk);
  }

  /**
   * Result to the outbox, then 'finished' to the journal, then the socket. In that order: a
   * crash between the first two leaves a result that is simply sent; the other way round
   * would leave a run marked finished whose result is lost.
   */
  private async complete(result: ResultBody): Promise<void> {
    const { runId } = result;
    try {
      await this.outbox.writeResult(result);
      await this.journal.append([{ runId, event: 'finished', at: result.finishedAt }]);
    } catch (err) {
      // The result is still held in memory and sent; if the agent restarts first, the run
      // is reported interrupted. Either way it is not run again.
      this.diskError(runId, 'save the result', err);
    }
    const run = this.active.get(runId);
    const held = run?.held;
    if (!run || !held) return void this.send('result', result);
    // A quick run: the result says it all, with the output inline (the outbox keeps both
    // apart, and a re-send after a reconnect sends them apart).
    clearTimeout(held.timer);
    run.held = undefined;
    const output = held.chunks.map(({ seq, stream, data }) => ({ seq, stream, data }));
    this.send('result', output.length > 0 ? { ...result, output } : result);
  }

  /** Sends what the outbox holds for the run, on `session` only, stopping if it goes. */
  private async resend(runId: string, session: Session | null): Promise<void> {
    if (!session || session !== this.session) return;
    const run = this.active.get(runId);
    // Everything saved goes out now, so nothing stays held for later.
    if (run?.held) {
      clearTimeout(run.held.timer);
      run.held = undefined;
    }
    const startedAt = run?.startedAt;
    if (startedAt !== undefined && !session.send('run_accepted', { runId, startedAt })) return;
    for await (const chunk of this.outbox.readOutput(runId)) {
      if (session !== this.session || !session.send('output', chunk)) return;
    }
    const result = this.outbox.result(runId);
    if (result && session === this.session) session.send('result', result);
  }

  private send<T extends AgentMessageType>(type: T, body: MessageBodies[T]): boolean {
    return this.session?.send(type, body) ?? false;
  }

  private reject(runId: string, rejection: Rejection): void {
    this.options.log.warn(
      `refusing run ${runId} (${rejection.reason}): ${rejection.message}`,
      `run rejected ${rejection.reason}`,
    );
    this.send('run_rejected', {
      runId,
      reason: rejection.reason,
      message: clip(rejection.message),
    });
  }

  private diskError(runId: string, what: string, err: unknown): void {
    this.options.log.error(
      `run ${runId}: could not ${what}: ${errorMessage(err)}`,
      'outbox write failed',
    );
  }

  // ---- start-up -----------------------------------------------------------------------

  /**
   * Settles what the previous agent process left: a run journaled as started, never as
   * finished, and without a result was running when the agent died. It is reported
   * `interrupted` (with whatever output was saved), never run again. Results whose journal
   * lines were lost are journaled, so a re-delivery is still refused.
   */
  private async recover(): Promise<void> {
    for (const result of this.outbox.pendingResults()) {
      if (this.journal.has(result.runId)) continue;
      await this.journal.append([
        {
          runId: result.runId,
          event: 'started',
          at: result.startedAt,
          expiresAt: result.finishedAt,
        },
        { runId: result.runId, event: 'finished', at: result.finishedAt },
      ]);
    }
    for (const { runId, record } of this.journal.inFlight()) {
      if (!this.outbox.result(runId)) {
        const output = await this.outbox.summarizeOutput(runId);
        const now = Date.now();
        await this.outbox.writeResult({
          runId,
          outcome: 'interrupted',
          startedAt: record.startedAt,
          finishedAt: Math.max(now, record.startedAt),
          ...output,
          error: INTERRUPTED_BY_CRASH,
        });
        this.options.log.warn(
          `run ${runId} was in progress when the agent stopped; reporting it interrupted (it is not run again)`,
          'run interrupted',
        );
        await removeRunDirs(runId, this.options.execution?.tmpRoot);
      }
      await this.journal.append([{ runId, event: 'finished', at: Date.now() }]);
    }
    // Output whose result was acknowledged, left by a crash half way through the removal.
    for (const runId of this.outbox.outputsWithoutResult()) await this.outbox.removeOutput(runId);
  }
}

const clip = (text: string) => text.slice(0, LIMITS.errorMessageLength);
