import type { KeyObject } from 'node:crypto';
import {
  httpProbe,
  type HttpProbeResult,
  type HttpProbeSpec,
  WEB_CHECK_LIMITS,
  type WebCheckResultItem,
  type WebChecksBody,
  type WebCheckSpec,
  webChecksSigningPayload,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { SignedCheckSet } from '../checks/signed-check-set';
import { errorMessage, type Logger } from '../log';

/** Results of one moment go out in one frame. */
const SEND_BATCH_MS = 100;

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

/** What a probe that threw (it never should) reports: the site is not known to be up. */
function probeFailed(err: unknown): HttpProbeResult {
  return {
    outcome: 'critical',
    statusCode: null,
    latencyMs: null,
    certExpiresAt: null,
    message: `probe failed: ${errorMessage(err)}`,
  };
}

/**
 * The website checks this device runs (protocol 6), as the server last pushed them (a
 * SignedCheckSet: they make this device fetch URLs inside its network). The probe itself is
 * bounded (it reads at most 1 MiB and ends within `timeoutMs`). Every result is sent (they
 * are the site's response times from here); while offline the newest `offlineBacklog` wait
 * for the next session. Lives across reconnects; `close()` stops every timer.
 */
export class AgentWebChecks {
  private readonly set: SignedCheckSet<WebCheckSpec, HttpProbeResult, WebChecksBody>;
  private pending: WebCheckResultItem[] = [];
  private sendTimer?: NodeJS.Timeout;

  constructor(options: AgentWebChecksOptions) {
    const run = options.probe ?? httpProbe;
    this.set = new SignedCheckSet<WebCheckSpec, HttpProbeResult, WebChecksBody>({
      ...options,
      noun: 'website-check',
      signingPayload: webChecksSigningPayload,
      timed: () => true,
      probe: (spec) => run(toProbeSpec(spec)).catch(probeFailed),
      onResult: (spec, result, at) => this.queue(toResultItem(spec.id, at, result)),
    });
  }

  get size(): number {
    return this.set.size;
  }

  /** Takes a new set from the server; refused (logged) if not signed for this device or older. */
  configure(body: WebChecksBody): boolean {
    return this.set.configure(body);
  }

  /** Results go out on this session from now on, starting with those kept while offline. */
  attach(session: Session): { close(): void } {
    return this.set.attach(session, () => this.flush());
  }

  close(): void {
    this.set.close();
    clearTimeout(this.sendTimer);
    this.sendTimer = undefined;
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
    const session = this.set.session;
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
