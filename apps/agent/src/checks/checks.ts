import type { KeyObject } from 'node:crypto';
import { AGENT_CHECK_LIMITS, isThresholdCheck } from '@fleetdesk/api-types';
import {
  type AgentCheckSpec,
  type CheckResultItem,
  type ChecksBody,
  checksSigningPayload,
  type HeartbeatBody,
  verifyPayload,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { errorMessage, type Logger } from '../log';
import { Hold, thresholdVerdict, type Verdict } from './evaluate';
import { probe } from './probes';

/** Changes of one moment go out in one frame. */
const CHANGE_BATCH_MS = 200;

interface Running {
  spec: AgentCheckSpec;
  hold: Hold;
  /** What was last reported (or would be, when offline): null before the first evaluation. */
  reported: (Verdict & { at: number }) | null;
  timer?: NodeJS.Timeout;
  probing: boolean;
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
 * The checks this device runs, as the server last pushed them (signed). Threshold checks
 * read the heartbeat's figures (no probe, no timer of their own); the others each own one
 * timer. State changes are sent at once, a summary of all states every summaryIntervalMs.
 * Lives across reconnects, so a state held for a duration is not forgotten by a reconnect;
 * `close()` stops every timer.
 */
export class AgentChecks {
  private readonly checks = new Map<string, Running>();
  private session: Session | null = null;
  private issuedAt = 0;
  private summaryIntervalMs = 300_000;
  private summaryTimer?: NodeJS.Timeout;
  private changeTimer?: NodeJS.Timeout;
  private readonly changed = new Set<string>();
  private closed = false;
  private readonly now: () => number;
  private readonly probe: (spec: AgentCheckSpec) => Promise<Verdict>;

  constructor(private readonly options: AgentChecksOptions) {
    this.now = options.now ?? Date.now;
    this.probe = options.probe ?? probe;
  }

  get size(): number {
    return this.checks.size;
  }

  /** Takes a new set from the server; refused (logged) if not signed for this device or older. */
  configure(body: ChecksBody): boolean {
    const { log } = this.options;
    if (body.deviceId !== this.options.deviceId) {
      log.warn(`ignoring a check set for device ${body.deviceId}`, 'checks for another device');
      return false;
    }
    if (!verifyPayload(this.options.serverPublicKey, checksSigningPayload(body), body.signature)) {
      log.warn('ignoring a check set not signed by the server', 'checks badly signed');
      return false;
    }
    if (body.issuedAt < this.issuedAt) {
      log.warn('ignoring an older check set', 'checks replayed');
      return false;
    }
    this.issuedAt = body.issuedAt;
    const next = new Map(body.checks.map((c) => [c.id, c]));
    for (const [id, r] of this.checks) {
      // A check whose settings changed starts over: its old state says nothing now.
      if (JSON.stringify(next.get(id)) !== JSON.stringify(r.spec)) {
        clearTimeout(r.timer);
        this.checks.delete(id);
        this.changed.delete(id);
      }
    }
    for (const spec of body.checks) {
      if (this.checks.has(spec.id)) continue;
      const r: Running = { spec, hold: new Hold(), reported: null, probing: false };
      this.checks.set(spec.id, r);
      if (!isThresholdCheck(spec.kind)) this.schedule(r, 0);
    }
    // An agent without checks keeps no timer at all.
    if (this.checks.size === 0) {
      clearInterval(this.summaryTimer);
      this.summaryTimer = undefined;
    } else if (body.summaryIntervalMs !== this.summaryIntervalMs || !this.summaryTimer) {
      this.summaryIntervalMs = body.summaryIntervalMs;
      this.armSummary();
    }
    log.info(`running ${this.checks.size} check(s)`);
    return true;
  }

  /** Judges the threshold checks on a heartbeat's figures. */
  onHeartbeat(hb: HeartbeatBody): void {
    for (const r of this.checks.values()) {
      if (isThresholdCheck(r.spec.kind)) this.record(r, thresholdVerdict(r.spec, hb));
    }
  }

  /** Reports go out on this session from now on; it gets every known state at once. */
  attach(session: Session): { close(): void } {
    this.session = session;
    this.sendAll();
    return {
      close: () => {
        if (this.session === session) this.session = null;
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const r of this.checks.values()) clearTimeout(r.timer);
    this.checks.clear();
    clearInterval(this.summaryTimer);
    clearTimeout(this.changeTimer);
  }

  private schedule(r: Running, delay: number): void {
    if (this.closed) return;
    r.timer = setTimeout(() => void this.runProbe(r), delay);
  }

  private async runProbe(r: Running): Promise<void> {
    if (r.probing || this.checks.get(r.spec.id) !== r) return;
    r.probing = true;
    try {
      this.record(r, await this.probe(r.spec));
    } catch (err) {
      this.record(r, { status: 'unknown', message: `probe failed: ${errorMessage(err)}` });
    } finally {
      r.probing = false;
      if (this.checks.get(r.spec.id) === r) this.schedule(r, r.spec.intervalMs);
    }
  }

  private record(r: Running, raw: Verdict): void {
    if (this.checks.get(r.spec.id) !== r) return;
    const now = this.now();
    const v = r.hold.apply(raw, r.spec.durationMs, now, r.reported);
    const changed = !r.reported || r.reported.status !== v.status;
    r.reported = { ...v, at: now };
    if (changed) {
      this.changed.add(r.spec.id);
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
    this.send([...this.checks.keys()].flatMap((id) => this.item(id)));
  }

  private item(id: string): CheckResultItem[] {
    const r = this.checks.get(id)?.reported;
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
    const session = this.session;
    if (!session || items.length === 0) return;
    for (let i = 0; i < items.length; i += AGENT_CHECK_LIMITS.resultsPerFrame) {
      session.send('check_results', {
        results: items.slice(i, i + AGENT_CHECK_LIMITS.resultsPerFrame),
      });
    }
  }
}
