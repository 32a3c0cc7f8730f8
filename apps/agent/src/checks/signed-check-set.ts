import type { KeyObject } from 'node:crypto';
import { verifyPayload } from '@fleetdesk/protocol';
import type { Session } from '../connection';
import type { Logger } from '../log';

/** A set of checks as the server signs it for one device. */
export interface SignedCheckSetBody<S> {
  deviceId: string;
  issuedAt: number;
  signature: string;
  checks: S[];
}

interface Running<S> {
  spec: S;
  timer?: NodeJS.Timeout;
  probing: boolean;
}

export interface SignedCheckSetOptions<
  S extends { id: string; intervalMs: number },
  R,
  B extends SignedCheckSetBody<S>,
> {
  deviceId: string;
  serverPublicKey: KeyObject;
  log: Logger;
  /** For log lines: "check", "website-check". */
  noun: string;
  /** The set's canonical bytes, as the server signed them. */
  signingPayload: (body: B) => Parameters<typeof verifyPayload>[1];
  /** Whether a check probes on a timer of its own (others are judged from outside). */
  timed: (spec: S) => boolean;
  /** Runs one probe; never throws (callers turn a failure into a result). */
  probe: (spec: S) => Promise<R>;
  /** A probe's result, for a check still running with the same settings. */
  onResult: (spec: S, result: R, startedAt: number) => void;
  /** A check removed, or changed (it starts over as a new one). */
  onStop?: (id: string) => void;
}

/**
 * The checks of one kind this device runs, as the server last pushed them, signed for this
 * device: they make the device probe things, so a set that is not signed by the pinned server
 * key, is for another device, or is older than the last one taken is refused. Each timed
 * check owns one timer and runs at most one probe at a time, `intervalMs` after the last one
 * ended. A check whose settings changed starts over: its old state says nothing now. Lives
 * across reconnects (the session it reports on is swapped by `attach`); `close()` stops every
 * timer.
 */
export class SignedCheckSet<
  S extends { id: string; intervalMs: number },
  R,
  B extends SignedCheckSetBody<S> = SignedCheckSetBody<S>,
> {
  private readonly running = new Map<string, Running<S>>();
  private issuedAt = 0;
  private closed = false;
  /** The session reports go out on, or null while offline. */
  session: Session | null = null;

  constructor(private readonly options: SignedCheckSetOptions<S, R, B>) {}

  get size(): number {
    return this.running.size;
  }

  ids(): IterableIterator<string> {
    return this.running.keys();
  }

  specs(): S[] {
    return [...this.running.values()].map((r) => r.spec);
  }

  /** Whether `spec` is still running with these settings (a result about it still counts). */
  current(spec: S): boolean {
    return this.running.get(spec.id)?.spec === spec;
  }

  /** Takes a new set from the server; false (logged) when it is refused. */
  configure(body: B): boolean {
    const { log, noun } = this.options;
    const key = `${noun}s`;
    if (body.deviceId !== this.options.deviceId) {
      log.warn(`ignoring a ${noun} set for device ${body.deviceId}`, `${key} for another device`);
      return false;
    }
    if (
      !verifyPayload(
        this.options.serverPublicKey,
        this.options.signingPayload(body),
        body.signature,
      )
    ) {
      log.warn(`ignoring a ${noun} set not signed by the server`, `${key} badly signed`);
      return false;
    }
    if (body.issuedAt < this.issuedAt) {
      log.warn(`ignoring an older ${noun} set`, `${key} replayed`);
      return false;
    }
    this.issuedAt = body.issuedAt;
    const next = new Map(body.checks.map((c) => [c.id, c]));
    for (const [id, r] of this.running) {
      if (JSON.stringify(next.get(id)) !== JSON.stringify(r.spec)) {
        clearTimeout(r.timer);
        this.running.delete(id);
        this.options.onStop?.(id);
      }
    }
    for (const spec of body.checks) {
      if (this.running.has(spec.id)) continue;
      const r: Running<S> = { spec, probing: false };
      this.running.set(spec.id, r);
      if (this.options.timed(spec)) this.schedule(r, 0);
    }
    log.info(`running ${this.running.size} ${noun}(s)`);
    return true;
  }

  /** Reports go out on this session from now on; `onAttach` runs with it first. */
  attach(session: Session, onAttach: () => void): { close(): void } {
    this.session = session;
    onAttach();
    return {
      close: () => {
        if (this.session === session) this.session = null;
      },
    };
  }

  close(): void {
    this.closed = true;
    for (const r of this.running.values()) clearTimeout(r.timer);
    this.running.clear();
  }

  private schedule(r: Running<S>, delay: number): void {
    if (this.closed) return;
    r.timer = setTimeout(() => void this.run(r), delay);
  }

  private async run(r: Running<S>): Promise<void> {
    if (r.probing || this.running.get(r.spec.id) !== r) return;
    r.probing = true;
    const startedAt = Date.now();
    let result: R;
    try {
      result = await this.options.probe(r.spec);
    } finally {
      r.probing = false;
    }
    // A check removed or changed while it ran: its result speaks of settings no longer asked for.
    if (this.running.get(r.spec.id) !== r) return;
    try {
      this.options.onResult(r.spec, result, startedAt);
    } finally {
      this.schedule(r, r.spec.intervalMs);
    }
  }
}
