import type { KeyObject } from 'node:crypto';
import type { ResultBody, RunBody, VerifiedBatches } from '@fleetdesk/protocol';
import type { JobMessage, Session, SessionHandle } from '../connection';
import type { Logger } from '../log';
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
