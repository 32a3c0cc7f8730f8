import type { KeyObject } from 'node:crypto';
import { AGENT_CHECK_LIMITS, isThresholdCheck } from '@fleetdesk/api-types';
import {
  type AgentCheckSpec,
  type CheckResultItem,
  type ChecksBody,
  checksSigningPayload,
  type HeartbeatBody,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { errorMessage, type Logger } from '../log';
import { Hold, thresholdVerdict, type Verdict } from './evaluate';
import { probe } from './probes';
import { SignedCheckSet } from './signed-check-set';

/** Changes of one moment go out in one frame. */
const CHANGE_BATCH_MS = 200;

interface State {
  hold: Hold;
  /** What was last reported (or would be, when offline): absent before the first evaluation. */
  reported?: Verdict & { at: number };
}

export interface AgentChecksOptions {
  deviceId: string;
  serverPublicKey: KeyObject;
  log: Logger;
  now?: () => number;
  /** The probe of kinds that do not read heartbeats (tests swap it). */
  probe?: (spec: AgentCheckSpec) => Promise<Verdict>;
}

/**
 * The checks this device runs, as the server last pushed them (a SignedCheckSet). Threshold
 * checks read the heartbeat's figures (no probe, no timer of their own); the others each own
 * one timer. State changes are sent at once, a summary of all states every
 * summaryIntervalMs. Lives across reconnects, so a state held for a duration is not forgotten
 * by a reconnect; `close()` stops every timer.
 */
export class AgentChecks {
  private readonly set: SignedCheckSet<AgentCheckSpec, Verdict, ChecksBody>;
  private readonly states = new Map<string, State>();
  private summaryIntervalMs = 300_000;
  private summaryTimer?: NodeJS.Timeout;
  private changeTimer?: NodeJS.Timeout;
  private readonly changed = new Set<string>();
  private closed = false;
  private readonly now: () => number;

  constructor(options: AgentChecksOptions) {
    this.now = options.now ?? Date.now;
    const run = options.probe ?? probe;
    this.set = new SignedCheckSet<AgentCheckSpec, Verdict, ChecksBody>({
      ...options,
      noun: 'check',
      signingPayload: checksSigningPayload,
      timed: (spec) => !isThresholdCheck(spec.kind),
      probe: (spec) =>
        run(spec).catch((err: unknown): Verdict => ({
          status: 'unknown',
          message: `probe failed: ${errorMessage(err)}`,
        })),
      onResult: (spec, verdict) => this.record(spec, verdict),
      onStop: (id) => {
        this.states.delete(id);
        this.changed.delete(id);
      },
    });
  }

  get size(): number {
    return this.set.size;
  }

  /** Takes a new set from the server; refused (logged) if not signed for this device or older. */
  configure(body: ChecksBody): boolean {
    if (!this.set.configure(body)) return false;
    // An agent without checks keeps no timer at all.
    if (this.set.size === 0) {
      clearInterval(this.summaryTimer);
      this.summaryTimer = undefined;
    } else if (body.summaryIntervalMs !== this.summaryIntervalMs || !this.summaryTimer) {
      this.summaryIntervalMs = body.summaryIntervalMs;
      this.armSummary();
    }
    return true;
  }

  /** Judges the threshold checks on a heartbeat's figures. */
  onHeartbeat(hb: HeartbeatBody): void {
    for (const spec of this.set.specs()) {
      if (isThresholdCheck(spec.kind)) this.record(spec, thresholdVerdict(spec, hb));
    }
  }

  /** Reports go out on this session from now on; it gets every known state at once. */
  attach(session: Session): { close(): void } {
    return this.set.attach(session, () => this.sendAll());
  }

  close(): void {
    this.closed = true;
    this.set.close();
    this.states.clear();
    clearInterval(this.summaryTimer);
    clearTimeout(this.changeTimer);
  }

  private record(spec: AgentCheckSpec, raw: Verdict): void {
    if (!this.set.current(spec)) return;
    let state = this.states.get(spec.id);
    if (!state) this.states.set(spec.id, (state = { hold: new Hold() }));
    const now = this.now();
    const v = state.hold.apply(raw, spec.durationMs, now, state.reported ?? null);
    const changed = !state.reported || state.reported.status !== v.status;
    state.reported = { ...v, at: now };
    if (changed) {
      this.changed.add(spec.id);
      this.changeTimer ??= setTimeout(() => this.flushChanges(), CHANGE_BATCH_MS);
    }
  }

  private flushChanges(): void {
    this.changeTimer = undefined;
    const ids = [...this.changed];
    this.changed.clear();
    this.send(ids.flatMap((id) => this.item(id)));
  }

  private armSummary(): void {
    clearInterval(this.summaryTimer);
    if (this.closed) return;
    this.summaryTimer = setInterval(() => this.sendAll(), this.summaryIntervalMs);
  }

  private sendAll(): void {
    this.send([...this.set.ids()].flatMap((id) => this.item(id)));
  }

  private item(id: string): CheckResultItem[] {
    const r = this.states.get(id)?.reported;
    if (!r) return [];
    const item: CheckResultItem = {
      checkId: id,
      status: r.status,
      message: r.message.slice(0, AGENT_CHECK_LIMITS.messageLength),
      at: r.at,
    };
    if (r.value !== undefined && Number.isFinite(r.value)) item.value = r.value;
    return [item];
  }

  /** Offline, results are dropped: the summary after the next connect carries the states. */
  private send(items: CheckResultItem[]): void {
    const session = this.set.session;
    if (!session || items.length === 0) return;
    for (let i = 0; i < items.length; i += AGENT_CHECK_LIMITS.resultsPerFrame) {
      session.send('check_results', {
        results: items.slice(i, i + AGENT_CHECK_LIMITS.resultsPerFrame),
      });
    }
  }
}
