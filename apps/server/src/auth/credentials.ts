import { parse as parseCookies } from 'cookie';
import { SESSION_COOKIE } from '../common/auth.decorators';

/**
 * The one place a request's credential is read, for REST (auth.guard.ts) and the console
 * socket (console-gateway.service.ts), so the two cannot disagree on what a cookie or a
 * bearer header means.
 *
 * Precedence: an `Authorization` header, when present, alone decides; the cookie is then not
 * read at all. A bearer that turns out invalid is a 401, never a fall-back to the cookie, so a
 * request carrying an Authorization header is only ever authenticated by that bearer, which a
 * cross-site page cannot set (hence the cookie-only CSRF Origin rule in the guard). A cookie
 * header with no session cookie in it is no credential; an unreadable one is a 401.
 */
export type Credential =
  | { kind: 'session' | 'bearer'; secret: string }
  | { kind: 'none' }
  | { kind: 'malformed'; reason: string };

/** Secrets are a short prefix plus 43 base64url characters; leave room, refuse megabytes. */
export const MAX_SECRET_LENGTH = 256;
/** Our secrets never need escaping, in a header or a cookie. */
const SECRET = /^[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer ([^ ]+)$/i;

type HeaderValue = string | string[] | undefined;

export interface CredentialHeaders {
  authorization?: HeaderValue;
  cookie?: HeaderValue;
}

function checkSecret(kind: 'session' | 'bearer', secret: string): Credential {
  if (secret.length > MAX_SECRET_LENGTH) {
    return { kind: 'malformed', reason: `the ${kind} token is longer than any we issue` };
  }
  if (!SECRET.test(secret)) {
    return { kind: 'malformed', reason: `the ${kind} token has characters we never issue` };
  }
  return { kind, secret };
}

function readBearer(header: HeaderValue): Credential {
  if (typeof header !== 'string') {
    return { kind: 'malformed', reason: 'send one Authorization header' };
  }
  const match = BEARER.exec(header);
  if (!match) {
    return { kind: 'malformed', reason: 'the Authorization header must be "Bearer <token>"' };
  }
  return checkSecret('bearer', match[1]);
}

function readSessionCookie(header: HeaderValue): Credential {
  // Node joins repeated Cookie headers with "; ", so a string is all we ever get from it.
  const raw = Array.isArray(header) ? header.join('; ') : header;
  if (!raw) return { kind: 'none' };
  // Undecoded values: the cookie package swallows a decoding error and hands back the raw
  // text, which would then pass for a (wrong) secret instead of being named as malformed.
  const keep = (value: string) => value;
  // The package keeps the first of two same-named cookies; two sessions (say one set for a
  // parent path) are ambiguous, so count them by parsing each pair on its own.
  const sessions = raw
    .split(';')
    .filter((pair) => Object.hasOwn(parseCookies(pair, { decode: keep }), SESSION_COOKIE));
  if (sessions.length === 0) return { kind: 'none' };
  if (sessions.length > 1) return { kind: 'malformed', reason: 'more than one session cookie' };
  const value = parseCookies(sessions[0], { decode: keep })[SESSION_COOKIE] ?? '';
  let secret: string;
  try {
    secret = decodeURIComponent(value);
  } catch {
    return { kind: 'malformed', reason: 'the session cookie is not valid percent-encoding' };
  }
  if (secret === '') return { kind: 'none' };
  return checkSecret('session', secret);
}

/** Pure: reads the credential from request (or socket handshake) headers; never throws. */
export function readCredential(headers: CredentialHeaders): Credential {
  if (headers.authorization !== undefined) return readBearer(headers.authorization);
  return readSessionCookie(headers.cookie);
}

/**
 * The console socket may also carry a token in socket.io's `auth` payload (for clients that
 * cannot set headers); it ranks with the Authorization header, before the cookie.
 */
export function readSocketCredential(auth: unknown, headers: CredentialHeaders): Credential {
  const token = (auth as { token?: unknown } | null | undefined)?.token;
  if (token === undefined) return readCredential(headers);
  if (typeof token !== 'string') {
    return { kind: 'malformed', reason: 'auth.token must be a string' };
  }
  return checkSecret('bearer', token);
}
