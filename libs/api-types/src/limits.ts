import { MAX_BODY_BYTES } from './script-rules';

/** Bounds of `POST /api/jobs` (CreateJobRequest): the server refuses, the console warns first. */
export const JOB_LIMITS = {
  /** An inline command's body, as a saved script's. */
  commandBytes: MAX_BODY_BYTES,
  nameLength: 200,
  timeoutSeconds: { min: 1, max: 86_400 },
  /** How long a run waits for its offline device; 0 expires it at once. */
  offlineExpirySeconds: { min: 0, max: 30 * 86_400, default: 3_600 },
  maxConcurrency: { min: 1, max: 100_000 },
  failureThresholdPercent: { min: 0, max: 100 },
} as const;

/** Bounds of `POST /api/enrollment-tokens`. */
export const ENROLLMENT_TOKEN_LIMITS = {
  expiresInHours: { min: 1, max: 8_760, default: 24 },
  maxUses: { min: 1, max: 100_000 },
  /**
   * Enrollments a token admits per minute, counted in the database across every server
   * process: a burst of this many at once, then this many a minute. Generous by default, so a
   * site enrolling hundreds of machines at once is never slowed; lower it for a token that
   * should trickle.
   */
  ratePerMinute: { min: 1, max: 100_000, default: 1_000 },
} as const;

/** Bounds of `POST /api/tokens` (API tokens). */
export const API_TOKEN_LIMITS = {
  expiresInDays: { min: 1, max: 3_650 },
} as const;

/** Names people give things: users' display names, enrollment and API token names. */
export const NAME_MAX_LENGTH = 100;
/** The longest email address SMTP allows (RFC 5321). */
export const EMAIL_MAX_LENGTH = 254;

/** Bounds of the audit log's text filters (`GET /api/audit`). */
export const AUDIT_FILTER_LIMITS = {
  actionLength: 64,
  targetTypeLength: 32,
  targetIdLength: 64,
} as const;
