import type { ErrorBody } from '@fleetdesk/api-types';

/** An API failure, carrying a sentence a technician can act on. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fieldErrors: { field: string; reason: string }[] = [],
  ) {
    super(message);
  }
}

/** Fired when the server says the session is gone, so the app can return to sign-in. */
export const SESSION_EXPIRED_EVENT = 'fleetdesk:session-expired';

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/** Turns an HTTP failure into words; the server's own message wins where it gave one. */
export function describeFailure(status: number, body: unknown): ApiError {
  if (isErrorBody(body)) {
    const fields = body.errors ?? [];
    const message =
      status === 403
        ? `You are not allowed to do this: ${body.message}. Ask an administrator if you need it.`
        : status === 429
          ? `Too many attempts. ${body.message}`
          : status === 502 || status === 503 || status === 504
            ? // A device that could not do it, or did not answer: the server says which.
              body.message
            : status >= 500
              ? `The server failed (${body.code}). Try again; if it keeps failing, check the server log.`
              : body.message;
    return new ApiError(status, body.code, message, fields);
  }
  if (status === 502 || status === 503 || status === 504) {
    return new ApiError(status, 'UNAVAILABLE', 'The Fleetdesk server is not answering. Try again.');
  }
  return new ApiError(status, 'HTTP_' + status, `The server answered ${status} unexpectedly.`);
}

type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, v));
    else params.set(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * Calls the REST API under /api with the session cookie. Every failure becomes an ApiError
 * whose message is fit to show as is.
 */
export async function api<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  options: { body?: unknown; file?: Blob; query?: Query; signal?: AbortSignal } = {},
): Promise<T> {
  const { body: json, file } = options;
  let response: Response;
  try {
    response = await fetch(withQuery(`/api${path}`, options.query), {
      method,
      credentials: 'same-origin',
      headers: file
        ? { 'content-type': 'application/octet-stream' }
        : json === undefined
          ? undefined
          : { 'content-type': 'application/json' },
      body: file ?? (json === undefined ? undefined : JSON.stringify(json)),
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(
      0,
      'NETWORK',
      'Cannot reach the Fleetdesk server. Check your network connection and try again.',
    );
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // A proxy's HTML error page, say: described by status below.
  }
  if (!response.ok) {
    if (response.status === 401 && path !== '/auth/login') {
      window.dispatchEvent(new Event(SESSION_EXPIRED_EVENT));
    }
    throw describeFailure(response.status, body);
  }
  return body as T;
}

export const get = <T>(path: string, query?: Query) => api<T>('GET', path, { query });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, { body: body ?? {} });
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, { body });
export const del = <T = void>(path: string) => api<T>('DELETE', path);
/** POSTs a file's bytes as the body (the server streams them to disk and hashes them). */
export const upload = <T>(path: string, query: Query, file: Blob) =>
  api<T>('POST', path, { query, file });

/** For catch blocks and query errors: any thrown value as a sentence. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}
