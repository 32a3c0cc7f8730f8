/**
 * Small composable validators for untrusted JSON. Hand-written rather than zod or
 * class-validator so the protocol library has no dependencies and both the agent and the
 * server get the same rules.
 *
 * Rules every validator follows:
 * - never throws, whatever the input;
 * - every string and array has an upper bound, so a frame cannot make us do unbounded work
 *   or store unbounded rows;
 * - every string and number is one PostgreSQL can store (see `storableStringProblem` and
 *   `COLUMN_RANGES`): the server writes many devices' reports in one statement, and a value
 *   the database refuses would fail everyone's rows, not just the sender's;
 * - objects reject unknown keys, so typos and smuggled fields fail loudly instead of being
 *   ignored (and `__proto__` never gets anywhere);
 * - on success the input itself is returned (no copy): once unknown keys are rejected it
 *   already has exactly the declared shape.
 */

export type PathSegment = string | number;

export type Check<T> = { ok: true; value: T } | { ok: false; path: PathSegment[]; reason: string };

export interface Validator<T> {
  (input: unknown): Check<T>;
  /** Set by `optional()`: the key may be absent from its object. */
  readonly optional?: true;
}

const pass = <T>(value: T): Check<T> => ({ ok: true, value });
const fail = (reason: string, path: PathSegment[] = []): Check<never> => ({
  ok: false,
  path,
  reason,
});

/** Re-roots a child failure under `segment`; only runs on failure, so success stays cheap. */
function nest<T>(segment: PathSegment, check: Check<T>): Check<T> {
  return check.ok ? check : fail(check.reason, [segment, ...check.path]);
}

/**
 * Why PostgreSQL could not store `value` as text or inside json(b), or null if it can.
 * NUL is refused by text and jsonb alike; a lone surrogate (half of a UTF-16 pair) is
 * refused by jsonb and silently turned into U+FFFD in text, so either way it is not
 * what the sender said. A high surrogate followed by a low one (an emoji) is fine.
 */
export function storableStringProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0) return 'contains a NUL character';
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i += 1;
        continue;
      }
    }
    return 'contains a lone UTF-16 surrogate (not valid Unicode)';
  }
  return null;
}

export interface StringRules {
  /** Required on purpose: every string on the wire has a bound. */
  max: number;
  min?: number;
  pattern?: RegExp;
  /** Extra check run after length and pattern; keep it cheap and non-throwing. */
  test?: (value: string) => boolean;
  /** What a valid value looks like, for the error reason of pattern/test failures. */
  expected?: string;
}

export function string(rules: StringRules): Validator<string> {
  const { max, min = 0, pattern, test, expected = 'a valid value' } = rules;
  return (input) => {
    if (typeof input !== 'string') return fail('expected a string');
    // Length first so the pattern and test only ever see bounded input.
    if (input.length > max) return fail(`longer than ${max} characters`);
    if (input.length < min) {
      return fail(min === 1 ? 'must not be empty' : `shorter than ${min} characters`);
    }
    const problem = storableStringProblem(input);
    if (problem) return fail(problem);
    if (pattern && !pattern.test(input)) return fail(`expected ${expected}`);
    if (test && !test(input)) return fail(`expected ${expected}`);
    return pass(input);
  };
}

/**
 * Ranges of the PostgreSQL column types that agent numbers land in. `bigint` is narrowed to
 * the integers a JS number holds exactly, so what is stored is what was sent. Numbers kept
 * in jsonb (heartbeat metrics, inventory) only need to be finite.
 */
export const COLUMN_RANGES = {
  integer: { min: -2_147_483_648, max: 2_147_483_647 },
  bigint: { min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
} as const;

export interface NumberRules {
  min: number;
  max: number;
}

function numberIn(rules: NumberRules, integer: boolean): Validator<number> {
  const { min, max } = rules;
  // A bound past 2^53 would let through integers that are not the ones sent; caught at load.
  if (integer && !(Number.isSafeInteger(min) && Number.isSafeInteger(max) && min <= max)) {
    throw new RangeError(`int(): bounds must be safe integers, got ${min}..${max}`);
  }
  const kind = integer ? 'an integer' : 'a number';
  return (input) => {
    // typeof also rules out NaN-free lookalikes such as numeric strings.
    if (typeof input !== 'number' || !Number.isFinite(input)) return fail(`expected ${kind}`);
    if (integer && !Number.isInteger(input)) return fail(`expected ${kind}`);
    if (input < min || input > max) return fail(`must be between ${min} and ${max}`);
    return pass(input);
  };
}

/** A finite, exactly representable integer in [min, max] (both safe integers). */
export const int = (rules: NumberRules): Validator<number> => numberIn(rules, true);

/** A finite number (fractions allowed) in [min, max]. */
export const number = (rules: NumberRules): Validator<number> => numberIn(rules, false);

/** One of a fixed set of strings. */
export function oneOf<const T extends readonly string[]>(values: T): Validator<T[number]> {
  const allowed = new Set<string>(values);
  const reason = `expected one of: ${values.join(', ')}`;
  return (input) =>
    typeof input === 'string' && allowed.has(input) ? pass(input as T[number]) : fail(reason);
}

export interface ArrayRules {
  /** Required on purpose: every array on the wire has a bound. */
  max: number;
  min?: number;
}

export function array<T>(item: Validator<T>, rules: ArrayRules): Validator<T[]> {
  const { max, min = 0 } = rules;
  return (input) => {
    if (!Array.isArray(input)) return fail('expected an array');
    if (input.length > max) return fail(`more than ${max} items`);
    if (input.length < min) return fail(`fewer than ${min} items`);
    for (let i = 0; i < input.length; i++) {
      const check = item(input[i]);
      if (!check.ok) return nest(i, check);
    }
    return pass(input as T[]);
  };
}

/** A fixed-length array whose positions have their own validators. */
export function tuple<T extends unknown[]>(
  ...items: { [K in keyof T]: Validator<T[K]> }
): Validator<T> {
  const validators = items as Validator<unknown>[];
  const reason = `expected an array of ${validators.length} items`;
  return (input) => {
    if (!Array.isArray(input) || input.length !== validators.length) return fail(reason);
    for (let i = 0; i < validators.length; i++) {
      const check = validators[i](input[i]);
      if (!check.ok) return nest(i, check);
    }
    return pass(input as T);
  };
}

/** Marks an object field as optional: absent (or undefined, for senders) is fine. */
export function optional<T>(validator: Validator<T>): Validator<T | undefined> {
  const wrapped = (input: unknown): Check<T | undefined> =>
    input === undefined ? pass(undefined) : validator(input);
  return Object.assign(wrapped, { optional: true as const });
}

/**
 * One validator per key of T, no more and no fewer (the mapped type makes the compiler
 * check that against the declared interface). Call as `object<MyBody>({...})`.
 */
export type Shape<T> = { [K in keyof T]-?: Validator<T[K]> };

export function object<T extends object>(shape: Shape<T>): Validator<T> {
  const entries = Object.entries<Validator<unknown>>(shape);
  const known = new Set(entries.map(([key]) => key));
  return (input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return fail('expected an object');
    }
    for (const key of Object.keys(input)) {
      if (!known.has(key)) return fail('unknown field', [key]);
    }
    const record = input as Record<string, unknown>;
    for (const [key, validator] of entries) {
      if (!Object.hasOwn(record, key)) {
        if (validator.optional) continue;
        return fail('required', [key]);
      }
      const check = validator(record[key]);
      if (!check.ok) return nest(key, check);
    }
    return pass(input as T);
  };
}

/**
 * Decodes base64 only if it is the canonical standard encoding of exactly `bytes` bytes.
 * Buffer.from(…, 'base64') silently skips junk and accepts many spellings of the same
 * bytes; requiring the one canonical form keeps signatures and nonces unambiguous.
 */
export function decodeBase64Exact(value: unknown, bytes: number): Buffer | null {
  if (typeof value !== 'string' || value.length !== Math.ceil(bytes / 3) * 4) return null;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value)) return null;
  const decoded = Buffer.from(value, 'base64');
  if (decoded.length !== bytes || decoded.toString('base64') !== value) return null;
  return decoded;
}

/**
 * The strings decodeBase64Exact accepts for `bytes` bytes, as one pattern: full groups of four
 * characters, then for a last group of one byte (two) a character whose 4 (2) unused low bits
 * are zero and the padding. Checking a run frame's seven base64 fields this way, instead of
 * decoding and re-encoding each, is a good part of what validating the frame costs less.
 */
export function canonicalBase64Pattern(bytes: number): RegExp {
  const char = '[A-Za-z0-9+/]';
  const rest = bytes % 3;
  const tail = rest === 0 ? '' : rest === 1 ? `${char}[AQgw]==` : `${char}{2}[AEIMQUYcgkosw048]=`;
  return new RegExp(`^${char}{${Math.floor(bytes / 3) * 4}}${tail}$`);
}

/** Canonical base64 of exactly `bytes` bytes (what decodeBase64Exact accepts). */
export function base64Bytes(bytes: number): Validator<string> {
  const reason = `expected ${bytes} bytes of canonical base64`;
  const pattern = canonicalBase64Pattern(bytes);
  return (input) => (typeof input === 'string' && pattern.test(input) ? pass(input) : fail(reason));
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const MAX_SHOWN_KEY = 64;

/**
 * Renders a path like `body.disks[2].mount`. Keys can come from the peer (an unknown
 * field's name), so long ones are cut to keep error messages bounded.
 */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else if (IDENTIFIER.test(segment) && segment.length <= MAX_SHOWN_KEY) {
      out += out === '' ? segment : `.${segment}`;
    } else {
      const shown =
        segment.length > MAX_SHOWN_KEY ? `${segment.slice(0, MAX_SHOWN_KEY)}…` : segment;
      out += `[${JSON.stringify(shown)}]`;
    }
  }
  return out;
}
