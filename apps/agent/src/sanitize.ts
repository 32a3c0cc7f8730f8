/**
 * Trimming helpers: everything the agent reports comes from the OS and may be longer, odder
 * or larger than the protocol accepts. The server rejects a whole frame for one bad field,
 * so fields are fitted here instead.
 */

/** Cuts to `max` UTF-16 units without leaving half a surrogate pair at the end. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  const cut = value.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

// Without the u flag the regex sees UTF-16 units, so it can find halves of pairs.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Lone UTF-16 surrogates (Windows paths and registry names can hold them) become U+FFFD, as
 * a UTF-8 decoder would show them: the server refuses strings PostgreSQL cannot store.
 */
export const wellFormed = (value: string): string => value.replace(LONE_SURROGATE, '\ufffd');

/** Text fit for the wire as is: NUL and lone surrogates shown as U+FFFD, cut to `max`. */
export const clipText = (value: string, max: number): string =>
  truncate(wellFormed(value).replaceAll('\u0000', '\ufffd'), max);

/** A string fit for the wire: NULs removed (the validator refuses them), trimmed, bounded. */
export function cleanString(value: unknown, max: number, fallback = ''): string {
  if (typeof value !== 'string') return fallback;
  // eslint-disable-next-line no-control-regex
  const text = truncate(wellFormed(value.replace(/\u0000/g, '')).trim(), max);
  return text === '' ? fallback : text;
}

export function clampNumber(value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return min;
  return Math.min(max, Math.max(min, value));
}

/** Byte counts and similar: whole, non-negative, exactly representable. */
export const clampInt = (value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number =>
  Math.round(clampNumber(value, min, max));

/**
 * Resolves to `fallback` if `promise` takes longer than `ms` (a hung NFS mount can stall
 * `df` forever); the timer is cleared either way so nothing outlives the call.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}
