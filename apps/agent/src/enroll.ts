import {
  generateDeviceKeyPair,
  isEd25519PublicKeyPem,
  serverKeyFingerprint,
  uuid,
} from '@fleetdesk/protocol';
import { Backoff } from './backoff';
import { collectFacts, type EnrollFacts } from './facts';
import { errorMessage, type Logger } from './log';
import { enrollUrl } from './server-url';
import { hasIdentity, saveIdentity } from './state';
import { ExitCode } from './exit-codes';

export interface EnrollRequest {
  token: string;
  /** Ed25519 SPKI PEM. */
  publicKey: string;
  facts: EnrollFacts;
}

export interface EnrollResult {
  deviceId: string;
  serverPublicKey: string;
  heartbeatIntervalMs: number;
}

export class EnrollError extends Error {
  override name = 'EnrollError';
  constructor(
    message: string,
    /** HTTP status; undefined when the server was not reached. */
    readonly status?: number,
    /** The server's error code, e.g. ENROLLMENT_TOKEN_EXPIRED. */
    readonly code?: string,
    /** Seconds, from Retry-After on a 429. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /** Worth trying again later: rate limits, server faults, network trouble. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }
}

export type FetchFn = typeof fetch;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** POST /api/agent/enroll. Throws EnrollError with the server's own words on refusal. */
export async function requestEnrollment(
  server: string,
  request: EnrollRequest,
  fetchFn: FetchFn = fetch,
  signal?: AbortSignal,
): Promise<EnrollResult> {
  const url = enrollUrl(server);
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(request),
      signal: signal
        ? AbortSignal.any([signal, AbortSignal.timeout(30_000)])
        : AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    const detail = cause ? errorMessage(cause) : errorMessage(err);
    throw new EnrollError(`could not reach ${url}: ${detail}`);
  }

  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }

  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    const code = isRecord(body) && typeof body.code === 'string' ? body.code : undefined;
    const message =
      isRecord(body) && typeof body.message === 'string'
        ? body.message
        : `${response.status} ${response.statusText}`.trim();
    const suffix = code ? ` (${response.status} ${code})` : ` (HTTP ${response.status})`;
    throw new EnrollError(
      `the server refused enrollment: ${message}${suffix}`,
      response.status,
      code,
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
  }

  // The answer decides which key the agent trusts forever, so it is checked as strictly as
  // a frame off the wire.
  if (!isRecord(body)) throw new EnrollError(`unexpected answer from ${url}: not JSON`);
  const { deviceId, serverPublicKey, heartbeatIntervalMs } = body;
  if (typeof deviceId !== 'string' || !uuid(deviceId).ok) {
    throw new EnrollError('unexpected answer from the server: deviceId is not a lowercase uuid');
  }
  if (typeof serverPublicKey !== 'string' || !isEd25519PublicKeyPem(serverPublicKey)) {
    throw new EnrollError('unexpected answer from the server: serverPublicKey is not Ed25519');
  }
  return {
    deviceId,
    serverPublicKey,
    heartbeatIntervalMs: typeof heartbeatIntervalMs === 'number' ? heartbeatIntervalMs : 0,
  };
}

export interface EnrollRetryOptions {
  /** How long a rate-limited enrollment may keep retrying, in all; default 10 min. */
  deadlineMs?: number;
  /** The random source of the jitter, in [0, 1). */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_ENROLL_RETRY_DEADLINE_MS = 600_000;

/**
 * requestEnrollment, retrying a 429 (the token's rate, or this address's failure limit) no
 * sooner than the server's Retry-After, plus a full-jitter backoff so devices turned away
 * together do not all come back in the same second. Anything else is final: a refused token
 * does not become valid by waiting, and an unreachable server is for the operator to see now.
 */
export async function requestEnrollmentPatiently(
  server: string,
  request: EnrollRequest,
  log: Logger,
  fetchFn: FetchFn = fetch,
  retry: EnrollRetryOptions = {},
): Promise<EnrollResult> {
  const deadline = Date.now() + (retry.deadlineMs ?? DEFAULT_ENROLL_RETRY_DEADLINE_MS);
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backoff = new Backoff({ capMs: 30_000, random: retry.random });
  for (;;) {
    try {
      return await requestEnrollment(server, request, fetchFn);
    } catch (err) {
      if (!(err instanceof EnrollError) || err.status !== 429) throw err;
      const delay = (err.retryAfterSeconds ?? 0) * 1000 + backoff.next();
      if (Date.now() + delay > deadline) throw err;
      log.info(
        `the server asks to wait (${err.code ?? 'HTTP 429'}); retrying in ${Math.ceil(delay / 1000)} s`,
      );
      await sleep(delay);
    }
  }
}

export interface EnrollOptions {
  server: string;
  token: string;
  /** When set, the server key must have this fingerprint (lowercase hex) or nothing is saved. */
  serverKeySha256?: string;
  stateDir: string;
  force: boolean;
}

export async function enrollCommand(
  options: EnrollOptions,
  log: Logger,
  fetchFn: FetchFn = fetch,
  retry: EnrollRetryOptions = {},
): Promise<ExitCode> {
  // Checked before contacting the server, so a refused overwrite does not use up the token.
  if (!options.force && (await hasIdentity(options.stateDir))) {
    log.error(
      `this machine is already enrolled (state in ${options.stateDir}); pass --force to enroll again as a new device`,
    );
    return ExitCode.USAGE;
  }

  const keys = generateDeviceKeyPair();
  const facts = await collectFacts();
  let result: EnrollResult;
  try {
    result = await requestEnrollmentPatiently(
      options.server,
      { token: options.token, publicKey: keys.publicKey, facts },
      log,
      fetchFn,
      retry,
    );
  } catch (err) {
    log.error(`enrollment failed: ${errorMessage(err)}`);
    return ExitCode.FAILURE;
  }

  // Checked before anything touches the disk: a server that is not the one the operator
  // named must leave no identity behind that a later `run` could use.
  if (options.serverKeySha256 !== undefined) {
    const received = serverKeyFingerprint(result.serverPublicKey);
    if (received !== options.serverKeySha256) {
      log.error(
        `enrollment refused: the server's key has fingerprint ${received}, not the expected ${options.serverKeySha256}. Someone may be intercepting the connection, or --server points at another Fleetdesk server. Nothing was saved; device ${result.deviceId} stays on that server until a technician removes it.`,
      );
      return ExitCode.FAILURE;
    }
  }

  await saveIdentity(
    options.stateDir,
    {
      deviceId: result.deviceId,
      serverUrl: options.server,
      enrolledAt: new Date().toISOString(),
      deviceKeyPem: keys.privateKey,
      serverKeyPem: result.serverPublicKey,
    },
    { force: options.force },
  );
  log.info(`enrolled as device ${result.deviceId}; identity saved in ${options.stateDir}`);
  log.info(
    `start the agent with: fleetdesk-agent run --state-dir ${options.stateDir}  (or install-service)`,
  );
  return ExitCode.OK;
}
