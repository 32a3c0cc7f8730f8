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

/** 127.0.0.0/8, ::1 and `localhost`: traffic that never leaves this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host === '::1') return true;
  if (/^::ffff:127\./.test(host)) return true;
  const octets = host.split('.');
  return (
    octets.length === 4 &&
    octets[0] === '127' &&
    octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}

/**
 * Refuses a plain-http server unless it is on this machine or the operator said `--insecure`:
 * over http anyone on the path reads the enrollment token and, at first contact, could hand
 * the agent their own server key to pin.
 */
export function assertSecureServerUrl(server: string, insecure: boolean): void {
  const url = new URL(server);
  if (url.protocol === 'https:' || insecure || isLoopbackHost(url.hostname)) return;
  throw new TypeError(
    `--server ${server} is not https: the enrollment token and the server key would cross the network unencrypted. Serve Fleetdesk over TLS (see README, "TLS"), or pass --insecure to accept the risk`,
  );
}

export const enrollUrl = (server: string): string => `${server}/api/agent/enroll`;

/** http → ws, https → wss, plus the agent endpoint path. */
export const agentSocketUrl = (server: string): string => `${server.replace(/^http/, 'ws')}/agent`;
