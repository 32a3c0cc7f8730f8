import { BODY_VALIDATORS, type OutputBody } from '@fleetdesk/protocol';
import { MASK, SecretMasker, secretsToMask } from './mask';
import { OutputCollector } from './output';

const RUN_ID = '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d';

/** Feeds `pieces` through one masker and returns everything it let out. */
function through(secrets: string[], pieces: string[]): string {
  const m = new SecretMasker(
    secretsToMask(secrets.map((value) => ({ name: 'S', value, secret: true }))),
  );
  return pieces.map((p) => m.write(p)).join('') + m.end();
}

describe('secretsToMask', () => {
  it('takes only secret entries, skips values too short to mask, longest first', () => {
    expect(
      secretsToMask([
        { name: 'PLAIN', value: 'visible-value' },
        { name: 'A', value: 'ab', secret: true },
        { name: 'B', value: 'abc', secret: true },
        { name: 'C', value: 'hunter22', secret: true },
        { name: 'EMPTY', value: '', secret: true },
      ]),
    ).toEqual(['hunter22', 'abc']);
  });

  it('masks each line of a multi-line secret as well as the whole', () => {
    expect(secretsToMask([{ name: 'K', value: 'line-one\r\nline-two', secret: true }])).toEqual([
      'line-one\r\nline-two',
      'line-one',
      'line-two',
    ]);
  });
});

describe('SecretMasker', () => {
  it('masks every occurrence in one piece', () => {
    expect(through(['s3cret'], ['a s3cret b s3cret\n'])).toBe(`a ${MASK} b ${MASK}\n`);
  });

  it('masks a secret split across pieces at every possible cut', () => {
    const text = 'before p4ssw0rd-xyz after\n';
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2++) {
        const pieces = [text.slice(0, cut), text.slice(cut, cut2), text.slice(cut2)];
        expect(through(['p4ssw0rd-xyz'], pieces)).toBe(`before ${MASK} after\n`);
      }
    }
  });

  it('masks a secret arriving one character at a time', () => {
    expect(through(['topsecret'], [...'x topsecret y'])).toBe(`x ${MASK} y`);
  });

  it('holds back only a possible start of a secret, so ordinary output is not delayed', () => {
    const m = new SecretMasker(['hunter22']);
    expect(m.write('progress 10%')).toBe('progress 10%');
    expect(m.write(' ... hun')).toBe(' ... ');
    expect(m.write('gry\n')).toBe('hungry\n');
    expect(m.write('hunte')).toBe('');
    expect(m.end()).toBe('hunte');
  });

  it('prefers the longer of two overlapping secrets', () => {
    expect(through(['abcdef', 'abc'], ['xx abcdef abc'])).toBe(`xx ${MASK} ${MASK}`);
    expect(through(['abc', 'abcdef'], ['abcd', 'ef'])).toBe(MASK);
  });

  it('passes text through untouched when there are no secrets', () => {
    const m = new SecretMasker([]);
    expect(m.write('abc')).toBe('abc');
    expect(m.end()).toBe('');
  });

  it('never leaves half a surrogate pair at the end of what it lets out', () => {
    const m = new SecretMasker(['\u{1F600}key']);
    const out = m.write('a\u{1F600}');
    expect(out).toBe('a');
    expect(m.write('kex')).toBe('\u{1F600}kex');
  });
});

describe('OutputCollector with secrets', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('masks secrets split across reads and UTF-8 boundaries, on each stream', () => {
    const chunks: OutputBody[] = [];
    const c = new OutputCollector({
      runId: RUN_ID,
      maxBytes: 1024 * 1024,
      emit: (chunk) => chunks.push(chunk),
      secrets: ['pässwörd-42'],
    });
    const bytes = Buffer.from('login pässwörd-42 ok\n', 'utf8');
    // Cut inside the secret and inside its two-byte ä.
    c.push('stdout', bytes.subarray(0, 8));
    jest.advanceTimersByTime(200);
    c.push('stdout', bytes.subarray(8, 14));
    jest.advanceTimersByTime(200);
    c.push('stdout', bytes.subarray(14));
    c.push('stderr', Buffer.from('err pässwörd-'));
    c.finish();
    const stdout = chunks
      .filter((x) => x.stream === 'stdout')
      .map((x) => x.data)
      .join('');
    const stderr = chunks
      .filter((x) => x.stream === 'stderr')
      .map((x) => x.data)
      .join('');
    expect(stdout).toBe(`login ${MASK} ok\n`);
    // The stream ended before the secret did: not a secret after all.
    expect(stderr).toBe('err pässwörd-');
    for (const chunk of chunks) expect(BODY_VALIDATORS.output(chunk).ok).toBe(true);
    expect(chunks.map((x) => x.data).join('')).not.toContain('pässwörd-42');
  });

  it('drops a held secret start when the output cap cuts it', () => {
    const chunks: OutputBody[] = [];
    const c = new OutputCollector({
      runId: RUN_ID,
      maxBytes: 12,
      emit: (chunk) => chunks.push(chunk),
      secrets: ['abcdefgh'],
    });
    c.push('stdout', Buffer.from('1234 abcdefgh'));
    c.finish();
    const all = chunks.map((x) => x.data).join('');
    expect(all).toMatch(/^1234 \n\[fleetdesk: output truncated/);
    expect(all).not.toContain('abc');
  });
});
