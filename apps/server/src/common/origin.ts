import type { IncomingHttpHeaders } from 'node:http';

/**
 * The one rule for "did this browser request come from a page we trust": the server's own
 * origin or one on the CONSOLE_ORIGINS allow-list. The console socket uses it for every
 * upgrade; the REST API uses it for state-changing requests that ride the session cookie, so a
 * page on a sibling host of the same site (which SameSite=Strict does not stop) cannot act as
 * the signed-in technician.
 *
 * Without an Origin header, Sec-Fetch-Site decides: browsers send it on every request and only
 * "same-origin" (or "none", typed into the address bar) is ours. Tools that send neither still
 * need a credential of their own.
 */
export function originAllowed(headers: IncomingHttpHeaders, allowList: readonly string[]): boolean {
  const origin = headers.origin;
  if (origin === undefined) {
    const site = headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (parsed.origin === 'null') return false;
  return parsed.host === headers.host || allowList.includes(parsed.origin);
}
