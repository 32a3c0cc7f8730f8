import {
  array,
  base64Bytes,
  COLUMN_RANGES,
  decodeBase64Exact,
  formatPath,
  int,
  number,
  object,
  oneOf,
  optional,
  storableStringProblem,
  string,
  tuple,
  type Check,
} from './validate';

function failure<T>(check: Check<T>): { path: (string | number)[]; reason: string } {
  if (check.ok) throw new Error(`expected a failure, got ${JSON.stringify(check.value)}`);
  return { path: check.path, reason: check.reason };
}

describe('string', () => {
  const s = string({ min: 2, max: 5, pattern: /^[a-z]+$/, expected: 'lowercase letters' });

  it('accepts strings within bounds that match', () => {
    expect(s('abc')).toEqual({ ok: true, value: 'abc' });
    expect(s('ab').ok).toBe(true);
    expect(s('abcde').ok).toBe(true);
  });

  it('rejects non-strings, bounds, pattern and NUL', () => {
    expect(failure(s(5)).reason).toBe('expected a string');
    expect(failure(s(null)).reason).toBe('expected a string');
    expect(failure(s('abcdef')).reason).toBe('longer than 5 characters');
    expect(failure(s('a')).reason).toBe('shorter than 2 characters');
    expect(failure(s('ab1')).reason).toBe('expected lowercase letters');
    expect(failure(string({ max: 10 })('a\u0000b')).reason).toBe('contains a NUL character');
    expect(failure(string({ min: 1, max: 3 })('')).reason).toBe('must not be empty');
  });

  it('checks length before running the pattern or test', () => {
    const test = jest.fn(() => true);
    expect(string({ max: 3, test })('abcd').ok).toBe(false);
    expect(test).not.toHaveBeenCalled();
  });

  it('applies a custom test', () => {
    const even = string({ max: 10, test: (v) => v.length % 2 === 0, expected: 'even length' });
    expect(even('ab').ok).toBe(true);
    expect(failure(even('abc')).reason).toBe('expected even length');
  });
});

describe('strings PostgreSQL cannot store', () => {
  const s = string({ max: 100 });
  const LONE = /lone UTF-16 surrogate/;

  it('refuses lone high and low surrogates wherever they are', () => {
    for (const bad of ['\ud800', '\udbff', '\udc00', '\udfff', 'a\ud800', '\udc00b', 'x\ud83dy']) {
      expect(failure(s(bad)).reason).toMatch(LONE);
    }
    // Pairs in the wrong order are two lone halves.
    expect(failure(s('\ude00\ud83d')).reason).toMatch(LONE);
    // A well-formed pair followed by half of another.
    expect(failure(s('\ud83d\ude00\ud83d')).reason).toMatch(LONE);
  });

  it('refuses NUL anywhere', () => {
    for (const bad of ['\u0000', 'a\u0000', '\u0000b', 'é\u0000😀']) {
      expect(failure(s(bad)).reason).toBe('contains a NUL character');
    }
  });

  it('accepts well-formed text, surrogate pairs (emoji) included', () => {
    for (const good of [
      '',
      'C:\\',
      'ünïcødé',
      '😀',
      'disk 💾 /mnt/😀',
      '\u{10ffff}',
      '\ufffd',
      '\u0001',
    ]) {
      expect(s(good)).toEqual({ ok: true, value: good });
      expect(storableStringProblem(good)).toBeNull();
    }
  });

  it('checks the same way when a pattern or test is set', () => {
    const patterned = string({ max: 10, pattern: /^.*$/su });
    expect(patterned('\ud800').ok).toBe(false);
    expect(string({ max: 10, test: () => true })('\udc00').ok).toBe(false);
  });
});

describe('int and number', () => {
  it('int accepts integers in range and rejects the rest', () => {
    const i = int({ min: -1, max: 10 });
    expect(i(-1).ok).toBe(true);
    expect(i(10).ok).toBe(true);
    expect(failure(i(11)).reason).toBe('must be between -1 and 10');
    expect(failure(i(-2)).reason).toBe('must be between -1 and 10');
    for (const bad of [1.5, NaN, Infinity, -Infinity, '3', null, true, [1]]) {
      expect(failure(i(bad)).reason).toBe('expected an integer');
    }
  });

  it('int refuses integers past 2^53, which would not be the value sent', () => {
    const big = int(COLUMN_RANGES.bigint);
    expect(big(Number.MAX_SAFE_INTEGER).ok).toBe(true);
    expect(big(Number.MIN_SAFE_INTEGER).ok).toBe(true);
    for (const bad of [2 ** 53, -(2 ** 53), 2 ** 63, 1e300, -1e300]) {
      expect(big(bad).ok).toBe(false);
    }
  });

  it('int bounds must themselves be safe integers', () => {
    expect(() => int({ min: 0, max: 2 ** 63 })).toThrow(RangeError);
    expect(() => int({ min: 0.5, max: 1 })).toThrow(RangeError);
    expect(() => int({ min: 2, max: 1 })).toThrow(RangeError);
  });

  it('integer column range is PostgreSQL integer', () => {
    const i = int(COLUMN_RANGES.integer);
    expect(i(2_147_483_647).ok).toBe(true);
    expect(i(-2_147_483_648).ok).toBe(true);
    expect(i(2_147_483_648).ok).toBe(false);
    expect(i(-2_147_483_649).ok).toBe(false);
  });

  it('number accepts fractions but not NaN or infinities', () => {
    const n = number({ min: 0, max: 1 });
    expect(n(0.5).ok).toBe(true);
    expect(failure(n(1.0001)).reason).toBe('must be between 0 and 1');
    for (const bad of [NaN, Infinity, '0.5', undefined]) {
      expect(failure(n(bad)).reason).toBe('expected a number');
    }
  });
});

describe('oneOf', () => {
  const v = oneOf(['dpkg', 'rpm']);
  it('accepts only listed strings', () => {
    expect(v('rpm').ok).toBe(true);
    expect(failure(v('npm')).reason).toBe('expected one of: dpkg, rpm');
    expect(v('toString').ok).toBe(false);
    expect(v(['dpkg']).ok).toBe(false);
  });
});

describe('array and tuple', () => {
  const a = array(int({ min: 0, max: 9 }), { min: 1, max: 3 });

  it('bounds the item count and reports the failing index', () => {
    expect(a([1, 2, 3]).ok).toBe(true);
    expect(failure(a([])).reason).toBe('fewer than 1 items');
    expect(failure(a([1, 2, 3, 4])).reason).toBe('more than 3 items');
    expect(failure(a([1, 42]))).toEqual({ path: [1], reason: 'must be between 0 and 9' });
    expect(failure(a({ length: 1, 0: 1 })).reason).toBe('expected an array');
  });

  it('tuple requires the exact length and checks each position', () => {
    const t = tuple<[string, number]>(string({ max: 3 }), int({ min: 0, max: 1 }));
    expect(t(['abc', 1]).ok).toBe(true);
    expect(failure(t(['abc'])).reason).toBe('expected an array of 2 items');
    expect(failure(t(['abc', 1, 2])).reason).toBe('expected an array of 2 items');
    expect(failure(t(['abc', 2])).path).toEqual([1]);
  });
});

describe('object', () => {
  interface Inner {
    n: number;
  }
  interface Outer {
    name: string;
    inner: Inner;
    note?: string;
  }
  const o = object<Outer>({
    name: string({ max: 5 }),
    inner: object<Inner>({ n: int({ min: 0, max: 1 }) }),
    note: optional(string({ max: 5 })),
  });

  it('accepts the declared shape with or without optional fields', () => {
    expect(o({ name: 'a', inner: { n: 1 } }).ok).toBe(true);
    expect(o({ name: 'a', inner: { n: 1 }, note: 'hi' }).ok).toBe(true);
    // Senders may leave an optional key set to undefined; JSON drops it.
    expect(o({ name: 'a', inner: { n: 1 }, note: undefined }).ok).toBe(true);
  });

  it('returns the input itself on success', () => {
    const input = { name: 'a', inner: { n: 1 } };
    const check = o(input);
    expect(check.ok && check.value).toBe(input);
  });

  it('rejects unknown keys, missing keys and nested errors with a path', () => {
    expect(failure(o({ name: 'a', inner: { n: 1 }, extra: 1 }))).toEqual({
      path: ['extra'],
      reason: 'unknown field',
    });
    expect(failure(o({ inner: { n: 1 } }))).toEqual({ path: ['name'], reason: 'required' });
    expect(failure(o({ name: 'a', inner: { n: 2 } })).path).toEqual(['inner', 'n']);
    expect(failure(o({ name: 'a', inner: { n: 1 }, note: 7 })).path).toEqual(['note']);
  });

  it('rejects non-objects, arrays, and prototype tricks', () => {
    for (const bad of [null, [], 'x', 1]) expect(failure(o(bad)).reason).toBe('expected an object');
    // Inherited properties do not count as present.
    const inherited = Object.create({ name: 'a', inner: { n: 1 } }) as object;
    expect(failure(o(inherited))).toEqual({ path: ['name'], reason: 'required' });
    const polluted = JSON.parse('{"name":"a","inner":{"n":1},"__proto__":{"x":1}}');
    expect(failure(o(polluted))).toEqual({ path: ['__proto__'], reason: 'unknown field' });
  });
});

describe('base64', () => {
  it('decodeBase64Exact accepts only the canonical encoding of the right length', () => {
    const good = Buffer.alloc(32, 1).toString('base64');
    expect(decodeBase64Exact(good, 32)).toEqual(Buffer.alloc(32, 1));
    expect(decodeBase64Exact(good, 31)).toBeNull();
    expect(decodeBase64Exact(Buffer.alloc(31).toString('base64'), 32)).toBeNull();
    // Same length, but non-zero padding bits: decodes to the same bytes, still refused.
    expect(decodeBase64Exact(good.slice(0, 42) + 'F=', 32)).toBeNull();
    expect(decodeBase64Exact(good.replace(/=$/, '!'), 32)).toBeNull();
    expect(decodeBase64Exact(Buffer.alloc(32, 0xfb).toString('base64url') + '=', 32)).toBeNull();
    expect(decodeBase64Exact(' '.repeat(44), 32)).toBeNull();
    expect(decodeBase64Exact(42, 32)).toBeNull();
  });

  it('base64Bytes accepts exactly what decodeBase64Exact decodes', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ ';
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const bytes of [1, 2, 3, 4, 5, 31, 32, 33, 64]) {
      const valid = base64Bytes(bytes);
      const canonical = Buffer.alloc(bytes, 0xa5).toString('base64');
      const candidates = [canonical, canonical.slice(1), `${canonical}=`, ''];
      // Every one-character change of a canonical string, and random strings of its length.
      for (let i = 0; i < canonical.length; i++) {
        for (const c of alphabet)
          candidates.push(canonical.slice(0, i) + c + canonical.slice(i + 1));
      }
      for (let k = 0; k < 2000; k++) {
        candidates.push(
          Array.from({ length: canonical.length }, () => alphabet[random(alphabet.length)]).join(
            '',
          ),
        );
      }
      for (const text of candidates) {
        expect([text, valid(text).ok]).toEqual([text, decodeBase64Exact(text, bytes) !== null]);
      }
    }
  });

  it('base64Bytes validator', () => {
    expect(base64Bytes(64)(Buffer.alloc(64).toString('base64')).ok).toBe(true);
    expect(failure(base64Bytes(64)('abc')).reason).toBe('expected 64 bytes of canonical base64');
  });
});

describe('formatPath', () => {
  it('renders dotted paths with indexes', () => {
    expect(formatPath(['body', 'disks', 2, 'mount'])).toBe('body.disks[2].mount');
    expect(formatPath([])).toBe('');
    expect(formatPath([0, 'a'])).toBe('[0].a');
  });

  it('quotes odd keys and cuts long ones', () => {
    expect(formatPath(['body', 'a b'])).toBe('body["a b"]');
    const long = formatPath(['body', 'k'.repeat(10_000)]);
    expect(long.length).toBeLessThan(100);
    expect(long.startsWith('body["kkkk')).toBe(true);
  });
});
