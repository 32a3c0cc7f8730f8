import type { AppException } from '../common/app-exception';
import {
  DeviceKeyInUseException,
  EnrollmentAddressLockedException,
  EnrollmentTokenRateLimitedException,
  EnrollmentTokenRefusedException,
} from './enrollment.exceptions';

/** One enrollment request, as the batch sees it (the key is already parsed and trimmed). */
export interface AdmissionRequest {
  tokenHash: string;
  publicKey: string;
  /** The source address the failure limit counts; null when unknown. */
  address: string | null;
}

/** A token row read under its row lock. */
export interface TokenState {
  id: string;
  tokenHash: string;
  expiresAt: Date;
  revokedAt: Date | null;
  maxUses: number | null;
  uses: number;
  ratePerMinute: number;
  /** GCRA theoretical arrival time, ms since the epoch; null: the bucket is full. */
  rateTat: number | null;
}

/** An address's failures in its current window (windowStart: ms since the epoch). */
export interface FailureState {
  failures: number;
  windowStart: number;
}

export interface AdmissionLimits {
  failureLimit: number;
  failureWindowMs: number;
}

/** A live device that already holds a key of the batch. */
export interface EnrolledKey {
  deviceId: string;
  enrollmentTokenId: string | null;
  /** Enrolled moments ago and never connected: a repeat of its enrollment is answered again. */
  fresh: boolean;
}

/** How long after an enrollment the same request is answered with the same device. */
export const ENROLL_REPEAT_WINDOW_SECONDS = 15 * 60;

export type Admission =
  | { ok: true; tokenId: string }
  /** The same key and token again (an answer lost on the way): the device it already made. */
  | { ok: true; tokenId: string; repeatOf: string }
  | { ok: false; error: AppException; countsAsFailure: boolean };

export interface AdmissionPlan {
  /** One per request, in order. */
  decisions: Admission[];
  /** Per token that admitted any: how many, and its new theoretical arrival time. */
  tokens: Map<string, { admitted: number; rateTat: number }>;
  /** Per address that failed in this batch: how many more failures to count. */
  failures: Map<string, number>;
}

const MINUTE_MS = 60_000;
const UNKNOWN_ADDRESS = 'unknown';

/** The key the failure limit counts an address under (the column is 64 characters). */
export const addressKey = (address: string | null) => (address ?? UNKNOWN_ADDRESS).slice(0, 64);

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Decides a batch of enrollments in arrival order, against token rows read under their row
 * lock and the database's clock (`now`), so every server process decides the same way and
 * `maxUses` and the rate hold across processes. Checks, in order: the source address is not
 * locked by its own failures; the token exists, is not revoked, not expired; a repeat of a
 * fresh enrollment (same key, same token) is answered with its device; the token has uses
 * left; the key is not already enrolled; the token's rate admits one more.
 *
 * The rate is a GCRA (the token bucket's equivalent, kept as one timestamp per token): a
 * burst of `ratePerMinute`, refilled at `ratePerMinute` a minute, so a refused device's
 * Retry-After is the time until one slot refills (60 / rate seconds), not the end of a fixed
 * window that every refused device would come back at together.
 */
export function planAdmissions(
  requests: readonly AdmissionRequest[],
  tokens: ReadonlyMap<string, TokenState>,
  failuresByAddress: ReadonlyMap<string, FailureState>,
  enrolledKeys: ReadonlyMap<string, EnrolledKey>,
  now: number,
  limits: AdmissionLimits,
): AdmissionPlan {
  const plan: AdmissionPlan = { decisions: [], tokens: new Map(), failures: new Map() };
  const failures = new Map<string, FailureState>();
  for (const [address, f] of failuresByAddress) {
    // A window that has ended counts from zero again.
    if (f.windowStart + limits.failureWindowMs > now) failures.set(address, { ...f });
  }
  const uses = new Map<string, number>();
  const tats = new Map<string, number>();
  const keys = new Set(enrolledKeys.keys());

  for (const req of requests) {
    const address = addressKey(req.address);
    const failed = failures.get(address);
    if (failed && failed.failures >= limits.failureLimit) {
      const retry = seconds(failed.windowStart + limits.failureWindowMs - now);
      plan.decisions.push({
        ok: false,
        error: new EnrollmentAddressLockedException(retry),
        countsAsFailure: false,
      });
      continue;
    }
    const token = tokens.get(req.tokenHash);
    const refusal = !token
      ? 'INVALID'
      : token.revokedAt
        ? 'REVOKED'
        : token.expiresAt.getTime() <= now
          ? 'EXPIRED'
          : null;
    if (refusal || !token) {
      const f = failed ?? { failures: 0, windowStart: now };
      f.failures += 1;
      failures.set(address, f);
      plan.failures.set(address, (plan.failures.get(address) ?? 0) + 1);
      plan.decisions.push({
        ok: false,
        error: new EnrollmentTokenRefusedException(refusal ?? 'INVALID'),
        countsAsFailure: true,
      });
      continue;
    }
    // An agent whose answer was lost (a timeout, a dropped connection) asks again with the
    // same key: it gets the device it already has rather than a 409 it cannot recover from.
    // It costs no use and no rate: nothing new is made.
    const earlier = enrolledKeys.get(req.publicKey);
    if (earlier?.fresh && earlier.enrollmentTokenId === token.id) {
      plan.decisions.push({ ok: true, tokenId: token.id, repeatOf: earlier.deviceId });
      continue;
    }
    const used = uses.get(token.id) ?? token.uses;
    if (token.maxUses !== null && used >= token.maxUses) {
      plan.decisions.push({
        ok: false,
        error: new EnrollmentTokenRefusedException('USED_UP'),
        countsAsFailure: false,
      });
      continue;
    }
    if (keys.has(req.publicKey)) {
      plan.decisions.push({
        ok: false,
        error: new DeviceKeyInUseException(),
        countsAsFailure: false,
      });
      continue;
    }
    const interval = MINUTE_MS / token.ratePerMinute;
    const base = Math.max(tats.get(token.id) ?? token.rateTat ?? now, now);
    // Admitted while the bucket, after this one, holds at most a minute's worth.
    if (base + interval - now > MINUTE_MS + 1e-6) {
      plan.decisions.push({
        ok: false,
        error: new EnrollmentTokenRateLimitedException(seconds(base + interval - MINUTE_MS - now)),
        countsAsFailure: false,
      });
      continue;
    }
    tats.set(token.id, base + interval);
    uses.set(token.id, used + 1);
    keys.add(req.publicKey);
    const t = plan.tokens.get(token.id) ?? { admitted: 0, rateTat: 0 };
    t.admitted += 1;
    t.rateTat = base + interval;
    plan.tokens.set(token.id, t);
    plan.decisions.push({ ok: true, tokenId: token.id });
  }
  return plan;
}
