import type { EnvVar } from '@fleetdesk/protocol';

export const MASK = '***';
/**
 * Shorter values are not masked: replacing every "a" or "42" in the output would make it
 * unreadable and still show the value (the masks would spell out where it appears). Secrets
 * that short protect nothing anyway; the server's docs say so.
 */
export const MIN_MASKED_LENGTH = 3;

/**
 * What to mask for a run: each secret value, and each line of a multi-line one (scripts often
 * print a key file or certificate line by line, and Windows may turn its \n into \r\n).
 */
export function secretsToMask(env: readonly EnvVar[]): string[] {
  const found = new Set<string>();
  for (const { value, secret } of env) {
    if (secret !== true) continue;
    found.add(value);
    for (const line of value.split(/\r?\n/)) found.add(line);
  }
  // Longest first: where two overlap at the same place, the whole of the longer one goes.
  return [...found]
    .filter((s) => s.length >= MIN_MASKED_LENGTH)
    .sort((a, b) => b.length - a.length);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * Replaces secret values in one stream of text with `***`, as CI systems do. Text arrives in
 * pieces cut anywhere, so a secret may straddle two pieces: the end of a piece that could be
 * the start of a secret is held back until the next piece (or `end()`) shows whether it is.
 * Only such a possible start is held, so ordinary output is not delayed.
 */
export class SecretMasker {
  private held = '';
  private readonly firstChars: Set<string>;

  constructor(private readonly secrets: readonly string[]) {
    this.firstChars = new Set(secrets.map((s) => s[0]));
  }

  get active(): boolean {
    return this.secrets.length > 0;
  }

  /** Masks `text` and returns what can be sent now. */
  write(text: string): string {
    if (!this.active) return text;
    const buffer = this.held + text;
    const keepFrom = this.possibleStart(buffer);
    const { out, next } = this.mask(buffer, keepFrom);
    this.held = buffer.slice(next);
    return out;
  }

  /** The rest, at the end of the stream: a held possible start turned out not to be one. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return this.active ? this.mask(rest, rest.length).out : rest;
  }

  /** Drops what is held (output cut at its cap: a secret's first characters must not go). */
  discard(): void {
    this.held = '';
  }

  /**
   * Masks every secret that starts before `limit`; returns the text up to where scanning
   * stopped (at least `limit`, further when a secret crossed it).
   */
  private mask(buffer: string, limit: number): { out: string; next: number } {
    let out = '';
    let i = 0;
    while (i < limit) {
      let start = -1;
      let length = 0;
      for (const secret of this.secrets) {
        const at = buffer.indexOf(secret, i);
        // Longest first, so on a tie the earlier (longer) secret stays.
        if (at !== -1 && (start === -1 || at < start)) {
          start = at;
          length = secret.length;
        }
      }
      if (start === -1 || start >= limit) {
        out += buffer.slice(i, limit);
        return { out, next: limit };
      }
      out += buffer.slice(i, start) + MASK;
      i = start + length;
    }
    return { out, next: i };
  }

  /**
   * Where the buffer's tail could be the beginning of a secret that the next piece
   * completes; the buffer's length when it cannot. Never splits a surrogate pair.
   */
  private possibleStart(buffer: string): number {
    const longest = this.secrets[0].length;
    for (let i = Math.max(0, buffer.length - longest + 1); i < buffer.length; i++) {
      if (!this.firstChars.has(buffer[i])) continue;
      const tail = buffer.slice(i);
      if (this.secrets.some((s) => s.length > tail.length && s.startsWith(tail))) {
        return i > 0 && isHighSurrogate(buffer.charCodeAt(i - 1)) ? i - 1 : i;
      }
    }
    const last = buffer.length - 1;
    return last >= 0 && isHighSurrogate(buffer.charCodeAt(last)) ? last : buffer.length;
  }
}
