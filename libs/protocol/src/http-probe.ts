import { checkUrlProblem, type CheckOutcome, type HttpProbeSpec } from '@fleetdesk/api-types';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';

/**
 * The website check's HTTP(S) probe, one implementation for the two places a check runs: the
 * server (website-checks) and, for checks run from chosen devices, the agent (protocol 6). The
 * same judgement on both sides, so a site is up or down by one rule wherever it is seen from.
 * Bounded: at most HTTP_PROBE_MAX_BODY_BYTES of a page is read and the whole probe (connect, redirects,
 * body) ends within `timeoutMs`. What a probe asks for (HttpProbeSpec) is part of the REST
 * contract too (a website check is one), so it lives in api-types.
 */
export type { HttpProbeSpec };

export interface HttpProbeResult {
  outcome: CheckOutcome;
  statusCode: number | null;
  latencyMs: number | null;
  certExpiresAt: Date | null;
  /** Why it failed or warned; null when ok. */
  message: string | null;
}

/** Enough of a page to look for a phrase in; the rest is not downloaded. */
export const HTTP_PROBE_MAX_BODY_BYTES = 1024 * 1024;
const DAY_MS = 86_400_000;

/**
 * The only schemes a website check may reach. The URL is admin-configured, but it is still
 * fetched from inside the server's (or a device's) network: `file:`, `gopher:`, `ftp:` and the
 * like (and a redirect to them) are refused, so a check cannot be turned into a reader of local
 * files or a speaker of other protocols. The rule lives in libs/api-types: the console's form
 * uses it too.
 */
export const checkUrlScheme = checkUrlProblem;

interface Hop {
  res: IncomingMessage;
  body: string;
  certExpiresAt: Date | null;
}

function fetchOnce(url: URL, signal: AbortSignal): Promise<Hop> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: 'GET',
        signal,
        // A fresh connection per probe: the certificate is read from this handshake, and a
        // pooled socket would hide a certificate renewed (or broken) since.
        agent: false,
        headers: { 'user-agent': 'Fleetdesk-WebsiteCheck/1', accept: '*/*' },
      },
      (res) => {
        const tls = res.socket as TLSSocket;
        const cert = typeof tls.getPeerCertificate === 'function' ? tls.getPeerCertificate() : null;
        const certExpiresAt = cert?.valid_to ? new Date(cert.valid_to) : null;
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= HTTP_PROBE_MAX_BODY_BYTES) chunks.push(chunk);
          else res.destroy();
        });
        const done = () =>
          resolve({ res, body: Buffer.concat(chunks).toString('utf8'), certExpiresAt });
        res.on('end', done);
        res.on('close', done);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function describeError(e: unknown, timeoutMs: number): string {
  const err = e as NodeJS.ErrnoException & { name?: string };
  if (err.name === 'AbortError') return `no complete answer within ${timeoutMs} ms`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not found';
    case 'ECONNRESET':
      return 'connection reset';
    case 'CERT_HAS_EXPIRED':
      return 'TLS: the certificate has expired';
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
      return `TLS: the certificate is not trusted (${err.code})`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'TLS: the certificate does not name this host';
    case undefined:
    default:
      return err.code ? `${err.code}: ${err.message}` : String(err.message ?? e);
  }
}

/**
 * Fetches the URL once, following redirects as the policy says, and judges the answer:
 * critical when it fails any condition, warning when only the certificate expires within
 * `certWarnDays`, ok otherwise. Never throws: a network error is a critical result.
 */
export async function httpProbe(
  spec: HttpProbeSpec,
  now: () => number = Date.now,
): Promise<HttpProbeResult> {
  const started = now();
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), spec.timeoutMs);
  const fail = (message: string, partial: Partial<HttpProbeResult> = {}): HttpProbeResult => ({
    outcome: 'critical',
    statusCode: null,
    latencyMs: null,
    certExpiresAt: null,
    ...partial,
    message,
  });
  try {
    let url = new URL(spec.url);
    let hop: Hop;
    for (let redirects = 0; ; redirects += 1) {
      const bad = checkUrlScheme(url.toString());
      if (bad) return fail(`redirected to a URL that ${bad}`);
      hop = await fetchOnce(url, controller.signal);
      const status = hop.res.statusCode ?? 0;
      const location = hop.res.headers.location;
      if (status < 300 || status >= 400 || !location || status === spec.expectedStatus) break;
      const target = new URL(location, url);
      if (spec.redirectPolicy === 'error')
        return fail(
          `redirected (HTTP ${status}) to ${target.toString()}; redirects are not allowed`,
          {
            statusCode: status,
          },
        );
      if (redirects >= spec.maxRedirects)
        return fail(`more than ${spec.maxRedirects} redirect(s)`, { statusCode: status });
      url = target;
    }
    const latencyMs = Math.max(0, Math.round(now() - started));
    const statusCode = hop.res.statusCode ?? null;
    const partial = { statusCode, latencyMs, certExpiresAt: hop.certExpiresAt };
    if (statusCode !== spec.expectedStatus)
      return fail(`HTTP ${statusCode} (expected ${spec.expectedStatus})`, partial);
    if (spec.latencyLimitMs !== null && latencyMs > spec.latencyLimitMs)
      return fail(`answered in ${latencyMs} ms (limit ${spec.latencyLimitMs} ms)`, partial);
    if (spec.bodyContains !== null && !hop.body.includes(spec.bodyContains))
      return fail(`the page does not contain "${spec.bodyContains}"`, partial);
    if (spec.bodyNotContains !== null && hop.body.includes(spec.bodyNotContains))
      return fail(`the page contains "${spec.bodyNotContains}"`, partial);
    if (hop.certExpiresAt) {
      const daysLeft = (hop.certExpiresAt.getTime() - started) / DAY_MS;
      if (daysLeft <= spec.certWarnDays)
        return {
          ...partial,
          outcome: 'warning',
          message: `the TLS certificate expires in ${Math.max(0, Math.floor(daysLeft))} day(s), on ${hop.certExpiresAt.toISOString()} (warning at ${spec.certWarnDays})`,
        };
    }
    return { ...partial, outcome: 'ok', message: null };
  } catch (e) {
    return fail(describeError(e, spec.timeoutMs), { latencyMs: null });
  } finally {
    clearTimeout(timer);
  }
}
