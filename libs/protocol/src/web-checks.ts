import {
  CHECK_OUTCOMES,
  type CheckOutcome,
  checkUrlProblem,
  MONITORING_LIMITS,
  REDIRECT_POLICIES,
  type RedirectPolicy,
} from '@fleetdesk/api-types';
import {
  array,
  base64Bytes,
  int,
  object,
  oneOf,
  optional,
  string,
  type Validator,
} from './validate';

/**
 * Website checks run from chosen devices (protocol 6): a site seen from inside a network. The
 * server pushes each device the website checks it runs (`web_checks`, signed: it makes the
 * device fetch URLs inside its own network, so only the server may say which); the agent
 * probes each at the check's interval with the same probe as the server (http-probe.ts) and
 * sends every result (`web_check_results`), so response times are stored per location.
 */
export const WEB_CHECK_LIMITS = {
  /** Website checks one device runs at most; the frame that pushes them stays small. */
  perDevice: 50,
  /** Results in one `web_check_results` frame. */
  resultsPerFrame: 100,
  /** Results an agent keeps while offline (per device, newest kept), sent on reconnect. */
  offlineBacklog: 500,
  messageLength: 500,
} as const;

/** One website check as a device runs it: the check's own settings, durations in ms. */
export interface WebCheckSpec {
  id: string;
  url: string;
  expectedStatus: number;
  /** Absent: no limit. */
  latencyLimitMs?: number;
  bodyContains?: string;
  bodyNotContains?: string;
  redirectPolicy: RedirectPolicy;
  maxRedirects: number;
  certWarnDays: number;
  intervalMs: number;
  timeoutMs: number;
}

/**
 * server → agent (protocol 6): the whole set of website checks this device runs, replacing any
 * set before it (an empty list stops them). Sent after auth and whenever the set changes.
 * `signature` covers `webChecksSigningPayload(body)`; `issuedAt` only grows, so a replayed
 * older set is refused.
 */
export interface WebChecksBody {
  deviceId: string;
  issuedAt: number;
  checks: WebCheckSpec[];
  signature: string;
}

/** One probe's result, as the device saw the site. */
export interface WebCheckResultItem {
  checkId: string;
  /** When the probe started, epoch ms. */
  at: number;
  outcome: CheckOutcome;
  statusCode?: number;
  latencyMs?: number;
  /** Epoch ms; https only, where the runtime exposes the peer certificate. */
  certExpiresAt?: number;
  /** Why it failed or warned; absent when ok. */
  message?: string;
}

/** agent → server (protocol 6): probe results, every one (they are the response-time series). */
export interface WebCheckResultsBody {
  results: WebCheckResultItem[];
}

const M = MONITORING_LIMITS;
const uuid = string({
  min: 36,
  max: 36,
  pattern: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  expected: 'a lowercase uuid',
});
const epoch = int({ min: 0, max: 8_640_000_000_000_000 });
const bodyMatch = string({ min: 1, max: M.bodyMatchLength });

const webCheckSpec = object<WebCheckSpec>({
  id: uuid,
  url: string({
    min: 1,
    max: M.urlLength,
    test: (u) => checkUrlProblem(u) === null,
    expected: 'an http(s) URL without credentials',
  }),
  expectedStatus: int({ min: 100, max: 599 }),
  latencyLimitMs: optional(int(M.latencyLimitMs)),
  bodyContains: optional(bodyMatch),
  bodyNotContains: optional(bodyMatch),
  redirectPolicy: oneOf(REDIRECT_POLICIES),
  maxRedirects: int(M.maxRedirects),
  certWarnDays: int(M.certWarnDays),
  intervalMs: int({ min: M.intervalSeconds.min * 1000, max: M.intervalSeconds.max * 1000 }),
  timeoutMs: int(M.timeoutMs),
});

export const webChecks: Validator<WebChecksBody> = object<WebChecksBody>({
  deviceId: uuid,
  issuedAt: epoch,
  checks: array(webCheckSpec, { max: WEB_CHECK_LIMITS.perDevice }),
  signature: base64Bytes(64),
});

export const webCheckResults: Validator<WebCheckResultsBody> = object<WebCheckResultsBody>({
  results: array(
    object<WebCheckResultItem>({
      checkId: uuid,
      at: epoch,
      outcome: oneOf(CHECK_OUTCOMES),
      statusCode: optional(int({ min: 0, max: 999 })),
      latencyMs: optional(int({ min: 0, max: 86_400_000 })),
      certExpiresAt: optional(epoch),
      message: optional(string({ max: WEB_CHECK_LIMITS.messageLength })),
    }),
    { min: 1, max: WEB_CHECK_LIMITS.resultsPerFrame },
  ),
});
