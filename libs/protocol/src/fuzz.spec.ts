import { newNonce, signPayload, verifyPayload, generateDeviceKeyPair } from './crypto';
import { encodeFrame, parseFrame, type ParseResult } from './envelope';
import { FRAME_ERROR_CODES } from './errors';
import {
  AGENT_MESSAGE_TYPES,
  BODY_VALIDATORS,
  MESSAGE_SINCE_VERSION,
  type MessageType,
} from './messages';
import { prng, sampleBodies } from './test-support/samples';
import { storableStringProblem } from './validate';

// Seeded so a failure can be replayed; the seed is in the test name.
const SEED = 20241124;
const rand = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const randInt = (max: number) => Math.floor(rand() * max);

const INTERESTING_STRINGS = [
  '',
  'heartbeat',
  'constructor',
  '__proto__',
  '\u0000',
  '\ud800',
  'é',
  'a'.repeat(70),
  '0123456789abcdef',
];
const INTERESTING_NUMBERS = [
  0,
  -1,
  1,
  1.5,
  1e300,
  -0,
  Number.MAX_SAFE_INTEGER + 2,
  2 ** 53,
  2 ** 31,
  3_221_225_477,
  2 ** 63,
];
/** Strings that PostgreSQL refuses (or would silently change), spliced into valid values. */
const UNSTORABLE = ['\ud800', '\udc00', '\u0000', '\udbff\udbff'];

/**
 * Whatever the parser accepts must be storable as is: no NUL or lone surrogate in any string
 * (keys included) and no number that is not finite, nor an integer past 2^53.
 */
function expectStorable(value: unknown, path = 'message'): void {
  if (typeof value === 'string') {
    expect({ path, problem: storableStringProblem(value) }).toEqual({ path, problem: null });
  } else if (typeof value === 'number') {
    const ok = Number.isFinite(value) && (!Number.isInteger(value) || Number.isSafeInteger(value));
    expect({ path, value, ok }).toEqual({ path, value, ok: true });
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      expectStorable(k, `${path} key`);
      expectStorable(v, `${path}.${k}`);
    }
  }
}

const KEYS = ['v', 'type', 'id', 'ts', 'body', 'ackId', 'code', 'message', '__proto__', 'x'];

function randomString(): string {
  if (rand() < 0.5) return pick(INTERESTING_STRINGS);
  return String.fromCharCode(...Array.from({ length: randInt(20) }, () => randInt(0x10000)));
}

function randomJson(depth = 0): unknown {
  const roll = randInt(depth > 4 ? 5 : 8);
  switch (roll) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return pick(INTERESTING_NUMBERS);
    case 3:
      return rand() * 1e6 - 5e5;
    case 4:
      return randomString();
    case 5:
      return Array.from({ length: randInt(5) }, () => randomJson(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: randInt(6) }, () => [
          rand() < 0.7 ? pick(KEYS) : randomString(),
          randomJson(depth + 1),
        ]),
      );
  }
}

/** Byte-level damage to a valid frame: flips, deletions, duplications, insertions. */
function mutate(frame: string): string {
  let out = frame;
  for (let n = 1 + randInt(4); n > 0; n--) {
    const at = randInt(out.length + 1);
    const len = randInt(12);
    switch (randInt(4)) {
      case 0:
        out = out.slice(0, at) + String.fromCharCode(randInt(128)) + out.slice(at + 1);
        break;
      case 1:
        out = out.slice(0, at) + out.slice(at + len);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + len).repeat(2) + out.slice(at + len);
        break;
      default:
        out =
          out.slice(0, at) +
          pick(['"', '{', '}', '[', ']', ',', ':', '1', '-', '\\']) +
          out.slice(at);
    }
  }
  return out;
}

/** Swaps the value at a random spot in the body for random JSON. */
function mutateStructure(value: unknown): unknown {
  if (typeof value === 'string' && rand() < 0.5) {
    const at = randInt(value.length + 1);
    return value.slice(0, at) + pick(UNSTORABLE) + value.slice(at);
  }
  if (typeof value !== 'object' || value === null) return randomJson();
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...value };
  const keys = Object.keys(copy);
  if (keys.length === 0 || rand() < 0.2) return randomJson();
  const key = pick(keys);
  (copy as Record<string, unknown>)[key] =
    rand() < 0.6 ? mutateStructure((copy as Record<string, unknown>)[key]) : randomJson();
  return copy;
}

/** Parses and checks the result is well formed; any throw fails the test with the input. */
function parseSafely(raw: string | Buffer): ParseResult<unknown> {
  let result: ParseResult<unknown>;
  try {
    result = parseFrame(raw, rand() < 0.5 ? { from: 'agent' } : {});
  } catch (err) {
    throw new Error(
      `parseFrame threw on ${JSON.stringify(String(raw).slice(0, 200))}: ${String(err)}`,
    );
  }
  if (!result.ok) {
    expect(FRAME_ERROR_CODES).toContain(result.error.code);
    expect(typeof result.error.message).toBe('string');
  }
  return result;
}

const samples = sampleBodies();
const types = Object.keys(samples) as MessageType[];

describe(`fuzz (seed ${SEED})`, () => {
  it('random bytes and strings never throw', () => {
    for (let i = 0; i < 2000; i++) {
      const bytes = Buffer.from(Array.from({ length: randInt(300) }, () => randInt(256)));
      parseSafely(bytes);
      parseSafely(randomString());
    }
  });

  it('random JSON values and envelopes never throw', () => {
    for (let i = 0; i < 3000; i++) {
      parseSafely(JSON.stringify(randomJson()));
      const envelope = {
        v: rand() < 0.8 ? 1 : randomJson(),
        type: rand() < 0.7 ? pick(types) : randomJson(),
        id: rand() < 0.8 ? '0123456789abcdef' : randomJson(),
        ts: rand() < 0.8 ? 1 : randomJson(),
        body: randomJson(),
      };
      parseSafely(JSON.stringify(envelope));
    }
  });

  it('byte-damaged valid frames never throw, and anything accepted is re-encodable', () => {
    for (const type of types) {
      const frame = encodeFrame(type, samples[type]);
      for (let i = 0; i < 400; i++) {
        const result = parseSafely(mutate(frame));
        if (result.ok) {
          expectStorable(result.message);
          const m = result.message as { type: MessageType; body: never; id: string };
          // Parser and validator agree: whatever parses also passes the sender's checks.
          expect(() => encodeFrame(m.type, m.body, m.id)).not.toThrow();
        }
      }
    }
  });

  it('structurally damaged bodies never throw, and the validator decides alone', () => {
    for (const type of types) {
      for (let i = 0; i < 400; i++) {
        const body = mutateStructure(samples[type]);
        // Each type in the oldest version that has it (a newer type is unknown in version 1).
        const v = MESSAGE_SINCE_VERSION[type] ?? 1;
        const frame = JSON.stringify({ v, type, id: '0123456789abcdef', ts: 1, body });
        const result = parseSafely(frame);
        const verdict = BODY_VALIDATORS[type](body).ok;
        const allowed = (AGENT_MESSAGE_TYPES as readonly string[]).includes(type);
        // parseSafely may have used { from: 'agent' }, which turns server types into UNKNOWN_TYPE.
        if (result.ok) {
          expect(verdict).toBe(true);
          expectStorable(result.message);
        } else if (verdict)
          expect(result.error.code).toBe(allowed ? 'INVALID_BODY' : 'UNKNOWN_TYPE');
      }
    }
  });

  it('pathological nesting and sizes never throw', () => {
    const deep = '['.repeat(200_000) + ']'.repeat(200_000);
    expect(parseSafely(deep).ok).toBe(false);
    expect(parseSafely('{"a":'.repeat(100_000)).ok).toBe(false);
    const deepBody = `{"v":1,"type":"ack","id":"0123456789abcdef","ts":1,"body":{"ackId":${'['.repeat(50_000)}${']'.repeat(50_000)}}}`;
    expect(parseSafely(deepBody).ok).toBe(false);
    expect(parseSafely('"' + 'x'.repeat(2_000_000) + '"').ok).toBe(false);
  });

  it('verifyPayload never throws on random keys, payloads and signatures', () => {
    const keys = generateDeviceKeyPair();
    const payload = Buffer.from(newNonce());
    const sig = signPayload(keys.privateKey, payload);
    for (let i = 0; i < 500; i++) {
      const key = rand() < 0.5 ? keys.publicKey : mutate(keys.publicKey);
      const signature = rand() < 0.3 ? sig : rand() < 0.5 ? mutate(sig) : randomString();
      const data = rand() < 0.5 ? payload : Buffer.from(randomString());
      let ok: boolean | undefined;
      expect(() => (ok = verifyPayload(key, data, signature))).not.toThrow();
      // Only the untouched triple can verify (a mutated PEM may still parse to the same key).
      if (ok) expect([signature, data]).toEqual([sig, payload]);
    }
  });
});
