import type { KeyObject } from 'node:crypto';
import {
  httpProbe,
  type HttpProbeResult,
  type HttpProbeSpec,
  verifyPayload,
  WEB_CHECK_LIMITS,
  type WebCheckResultItem,
  type WebChecksBody,
  type WebCheckSpec,
  webChecksSigningPayload,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { errorMessage, type Logger } from '../log';

/** Results of one moment go out in one frame. */
const SEND_BATCH_MS = 100;

interface Running {
  spec: WebCheckSpec;
  timer?: NodeJS.Timeout;
  probing: boolean;
}

export interface AgentWebChecksOptions {
  deviceId: string;
  serverPublicKey: KeyObject;
  log: Logger;
  /** The HTTP(S) probe (tests swap it); the server's own, by default. */
  probe?: (spec: HttpProbeSpec) => Promise<HttpProbeResult>;
}

/** The probe's settings from the wire's: an absent field is "none" there, null here. */
export function toProbeSpec(s: WebCheckSpec): HttpProbeSpec {
  return {
    url: s.url,
    expectedStatus: s.expectedStatus,
    latencyLimitMs: s.latencyLimitMs ?? null,
    bodyContains: s.bodyContains ?? null,
    bodyNotContains: s.bodyNotContains ?? null,
    redirectPolicy: s.redirectPolicy,
    maxRedirects: s.maxRedirects,
    certWarnDays: s.certWarnDays,
    timeoutMs: s.timeoutMs,
  };
}

/** One result as it travels; fields the probe could not measure are left out. */
export function toResultItem(checkId: string, at: number, r: HttpProbeResult): WebCheckResultItem {
  const item: WebCheckResultItem = { checkId, at, outcome: r.outcome };
  if (r.statusCode !== null) item.statusCode = r.statusCode;
  if (r.latencyMs !== null) item.latencyMs = r.latencyMs;
  const certAt = r.certExpiresAt?.getTime() ?? NaN;
  // A certificate dated before 1970 (or unparsable) is not worth refusing the whole frame for.
  if (Number.isFinite(certAt) && certAt >= 0) item.certExpiresAt = certAt;
  if (r.message !== null) item.message = r.message.slice(0, WEB_CHECK_LIMITS.messageLength);
  return item;
}

/**
 * The website checks this device runs (protocol 6), as the server last pushed them (signed:
 * they make this device fetch URLs inside its network). Each check owns one timer and runs at
 * most one probe at a time, every `intervalMs` after the last one ended; the probe itself is
 * bounded (it reads at most 1 MiB and ends within `timeoutMs`). Every result is sent (they
 * are the site's response times from here); while offline the newest `offlineBacklog` wait
 * for the next session. Lives across reconnects; `close()` stops every timer.
 */
export class AgentWebChecks {
  private readonly checks = new Map<string, Running>();
  private session: Session | null = null;
  private issuedAt = 0;
  private pending: WebCheckResultItem[] = [];
  private sendTimer?: NodeJS.Timeout;
  private closed = false;
  private readonly probe: (spec: HttpProbeSpec) => Promise<HttpProbeResult>;

  constructor(private readonly options: AgentWebChecksOptions) {
    this.probe = options.probe ?? httpProbe;
  }

  get size(): number {
    return this.checks.size;
  }

  /** Takes a new set from the server; refused (logged) if not signed for this device or older. */
  configure(body: WebChecksBody): boolean {
    const { log } = this.options;
    if (body.deviceId !== this.options.deviceId) {
      log.warn(
        `ignoring a website-check set for device ${body.deviceId}`,
        'web checks for another device',
      );
      return false;
    }
    if (
      !verifyPayload(this.options.serverPublicKey, webChecksSigningPayload(body), body.signature)
    ) {
      log.warn('ignoring a website-check set not signed by the server', 'web checks badly signed');
      return false;
    }
    if (body.issuedAt < this.issuedAt) {
      log.warn('ignoring an older website-check set', 'web checks replayed');
      return false;
    }
    this.issuedAt = body.issuedAt;
    const next = new Map(body.checks.map((c) => [c.id, c]));
    for (const [id, r] of this.checks) {
      // A removed or changed check stops; a changed one starts again with its new settings.
      if (JSON.stringify(next.get(id)) !== JSON.stringify(r.spec)) {
        clearTimeout(r.timer);
        this.checks.delete(id);
      }
    }
    for (const spec of body.checks) {
      if (this.checks.has(spec.id)) continue;
      const r: Running = { spec, probing: false };
      this.checks.set(spec.id, r);
      this.schedule(r, 0);
    }
    log.info(`running ${this.checks.size} website check(s)`);
    return true;
  }

  /** Results go out on this session from now on, starting with those kept while offline. */
  attach(session: Session): { close(): void } {
    this.session = session;
    this.flush();
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
    clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
  }

  private schedule(r: Running, delay: number): void {
    if (this.closed) return;
    r.timer = setTimeout(() => void this.run(r), delay);
  }

  private async run(r: Running): Promise<void> {
    if (r.probing || this.checks.get(r.spec.id) !== r) return;
    r.probing = true;
    const at = Date.now();
    let result: HttpProbeResult;
    try {
      result = await this.probe(toProbeSpec(r.spec));
    } catch (err) {
      // The probe never throws by contract; if it does, the site is not known to be up.
      result = {
        outcome: 'critical',
        statusCode: null,
        latencyMs: null,
        certExpiresAt: null,
        message: `probe failed: ${errorMessage(err)}`,
      };
    } finally {
      r.probing = false;
    }
    // A check removed or changed while it ran: its result speaks of settings no longer asked for.
    if (this.checks.get(r.spec.id) !== r) return;
    this.queue(toResultItem(r.spec.id, at, result));
    this.schedule(r, r.spec.intervalMs);
  }

  private queue(item: WebCheckResultItem): void {
    this.pending.push(item);
    const over = this.pending.length - WEB_CHECK_LIMITS.offlineBacklog;
    if (over > 0) this.pending.splice(0, over);
    this.sendTimer ??= setTimeout(() => {
      this.sendTimer = undefined;
      this.flush();
    }, SEND_BATCH_MS);
  }

  private flush(): void {
    const session = this.session;
    if (!session || this.pending.length === 0) return;
    const items = this.pending;
    this.pending = [];
    for (let i = 0; i < items.length; i += WEB_CHECK_LIMITS.resultsPerFrame) {
      const batch = items.slice(i, i + WEB_CHECK_LIMITS.resultsPerFrame);
      // The socket went between the check and the send: kept for the next session.
      if (!session.send('web_check_results', { results: batch })) {
        this.pending = [...items.slice(i), ...this.pending];
        return;
      }
    }
  }
}
