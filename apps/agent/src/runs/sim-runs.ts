import type { KeyObject } from 'node:crypto';
import type { ResultBody, RunActionBody, RunBody, VerifiedBatches } from '@fleetdesk/protocol';
import type { JobMessage, Session, SessionHandle } from '../connection';
import { errorMessage, type Logger } from '../log';
import type { ActionHandler } from './runs';
import { checkActionRun, checkCancel, checkExpiry, checkRun, type Rejection } from './checks';

export interface SimRunsOptions {
  deviceId: string;
  hostname: string;
  serverPublicKey: KeyObject;
  /**
   * Shared by every virtual agent pinning that key: a batch's signature is verified once per
   * process, not once per agent (each agent still checks its own run's path to the root).
   */
  verifiedBatches?: VerifiedBatches;
  log: Logger;
  onRun?(runId: string): void;
  onRejected?(reason: Rejection['reason']): void;
  /**
   * `simulate --collect-logs`: the real collection handler (staging under this agent's own
   * folder, then the real uploader), so log ingest can be measured at fleet scale.
   */
  collectLogs?: ActionHandler<'collect_logs'>;
}

/** Past this many journaled runs, expired ones are forgotten (the expiry check refuses them). */
const PRUNE_AT = 1_000;

/**
 * Runs for one virtual agent of `simulate`: checked exactly like the real agent's (signature,
 * device, hash, duplicates, expiry), but never executed. Ten thousand agents on two cores
 * cannot spawn ten thousand processes; each run reports one line of output and succeeds.
 * The journal and the unacknowledged results live in memory, re-sent after a reconnect.
 */
export class SimRuns {
  /** runId → expiresAt. */
  private readonly journal = new Map<string, number>();
  /** Results with their output inline, as sent: a simulated run is over at once. */
  private readonly unacked = new Map<string, ResultBody>();
  private session: Session | null = null;
  /** Collections under way: a repeat delivery waits for the result instead of being refused. */
  private readonly collecting = new Set<string>();

  constructor(private readonly options: SimRunsOptions) {}

  attach(session: Session): SessionHandle {
    this.session = session;
    for (const runId of this.unacked.keys()) this.resend(runId);
    return {
      close: () => {
        if (this.session === session) this.session = null;
      },
      onMessage: (message) => this.receive(message),
    };
  }

  private receive(message: JobMessage): void {
    switch (message.type) {
      case 'run':
        return this.onRun(message.body);
      case 'run_action': {
        if (message.body.spec.action.kind === 'collect_logs' && this.options.collectLogs) {
          return this.onCollect(message.body, this.options.collectLogs);
        }
        // Checked like the real agent's, then refused: a virtual agent has no binary to
        // replace, and pretending it updated would fake the server's reconnect check.
        const { runId, action } = message.body.spec;
        const rejection = checkActionRun(message.body, this.options) ?? {
          reason: 'invalid' as const,
          message: `simulated agents do not perform ${action.kind} actions`,
        };
        this.options.onRejected?.(rejection.reason);
        this.session?.send('run_rejected', { runId, ...rejection });
        return;
      }
      case 'cancel': {
        const problem = checkCancel(message.body, this.options);
        // Simulated runs finish at once: there is never anything left to cancel.
        if (problem) this.options.log.warn(`ignoring a cancel: ${problem}`, 'cancel refused');
        return;
      }
      case 'result_ack':
        this.unacked.delete(message.body.runId);
        return;
      case 'results_ack':
        for (const runId of message.body.runIds) this.unacked.delete(runId);
        return;
    }
  }

  private onRun(body: RunBody): void {
    const { spec } = body;
    const { runId } = spec;
    const now = Date.now();
    let rejection = checkRun(body, this.options);
    if (!rejection && this.unacked.has(runId)) return this.resend(runId);
    if (!rejection && this.journal.has(runId)) {
      rejection = { reason: 'duplicate', message: `run ${runId} already ran on this device` };
    }
    rejection ??= checkExpiry(spec, now);
    if (rejection) {
      this.options.onRejected?.(rejection.reason);
      this.session?.send('run_rejected', { runId, ...rejection });
      return;
    }

    this.remember(runId, spec.expiresAt, now);
    this.options.onRun?.(runId);
    const data = `simulated run on ${this.options.hostname}\n`;
    // One frame for the whole run, as the real agent sends a run that ends at once.
    const result: ResultBody = {
      runId,
      outcome: 'succeeded',
      exitCode: 0,
      startedAt: now,
      finishedAt: Date.now(),
      lastSeq: 0,
      outputBytes: Buffer.byteLength(data, 'utf8'),
      truncated: false,
      output: [{ seq: 0, stream: 'stdout', data }],
    };
    this.unacked.set(runId, result);
    this.resend(runId);
  }

  /** A log collection, checked like any action run, performed for real by `collect`. */
  private onCollect(body: RunActionBody, collect: ActionHandler<'collect_logs'>): void {
    const { spec } = body;
    const { runId, action } = spec;
    if (action.kind !== 'collect_logs') return;
    const now = Date.now();
    let rejection = checkActionRun(body, this.options);
    if (!rejection && this.unacked.has(runId)) return this.resend(runId);
    if (!rejection && this.collecting.has(runId)) return;
    if (!rejection && this.journal.has(runId)) {
      rejection = { reason: 'duplicate', message: `run ${runId} already ran on this device` };
    }
    rejection ??= checkExpiry(spec, now);
    if (rejection) {
      this.options.onRejected?.(rejection.reason);
      this.session?.send('run_rejected', { runId, ...rejection });
      return;
    }
    this.remember(runId, spec.expiresAt, now);
    this.options.onRun?.(runId);
    this.collecting.add(runId);
    this.session?.send('run_accepted', { runId, startedAt: now });
    const lines: string[] = [];
    const finish = (outcome: 'succeeded' | 'failed', error?: string) => {
      const data = lines.length > 0 ? `${lines.join('\n')}\n`.slice(0, 4096) : '';
      const result: ResultBody = {
        runId,
        outcome,
        startedAt: now,
        finishedAt: Date.now(),
        lastSeq: data ? 0 : -1,
        outputBytes: Buffer.byteLength(data, 'utf8'),
        truncated: false,
        ...(error ? { error: error.slice(0, 1024) } : {}),
        ...(data ? { output: [{ seq: 0, stream: 'stdout' as const, data }] } : {}),
      };
      this.collecting.delete(runId);
      this.unacked.set(runId, result);
      this.resend(runId);
    };
    void collect(action, { runId, say: (line) => lines.push(line), log: this.options.log }).then(
      (done) => finish(done.outcome, done.error),
      (err: unknown) => finish('failed', `collection failed: ${errorMessage(err)}`),
    );
  }

  private resend(runId: string): void {
    const result = this.unacked.get(runId);
    if (result) this.session?.send('result', result);
  }

  private remember(runId: string, expiresAt: number, now: number): void {
    this.journal.set(runId, expiresAt);
    if (this.journal.size < PRUNE_AT) return;
    for (const [id, expiry] of this.journal) {
      if (expiry <= now && !this.unacked.has(id)) this.journal.delete(id);
    }
  }
}
