/**
 * Normalises `--server`: http(s) only, no query or fragment, no trailing slash. A path
 * prefix is kept, so a server behind `https://host/fleetdesk` works.
 */
export function normalizeServerUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new TypeError(`--server must be a URL like https://rmm.example.com (got '${input}')`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`--server must start with http:// or https:// (got '${input}')`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TypeError('--server must not carry credentials, a query or a fragment');
  }
  return url.toString().replace(/\/+$/, '');
}

export const enrollUrl = (server: string): string => `${server}/api/agent/enroll`;

/** http → ws, https → wss, plus the agent endpoint path. */
export const agentSocketUrl = (server: string): string => `${server.replace(/^http/, 'ws')}/agent`;
