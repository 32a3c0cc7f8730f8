import { webChecksSigningPayload } from './crypto';
import { encodeFrame, parseFrame } from './envelope';
import { sampleBodies } from './test-support/samples';
import type { WebCheckResultsBody, WebChecksBody } from './web-checks';

const set = (): WebChecksBody => structuredClone(sampleBodies().web_checks);
const results = (): WebCheckResultsBody => structuredClone(sampleBodies().web_check_results);
const frame = (type: 'web_checks' | 'web_check_results', body: unknown) =>
  JSON.stringify({ v: 6, type, id: 'web-0123456789abcdef', ts: 1, body });

describe('web_checks', () => {
  it('is a server message of protocol 6', () => {
    expect(parseFrame(frame('web_checks', set()), { from: 'server' }).ok).toBe(true);
    const fromAgent = parseFrame(frame('web_checks', set()), { from: 'agent' });
    expect(fromAgent.ok || fromAgent.error.code).toBe('UNKNOWN_TYPE');
  });

  it.each<[string, (b: WebChecksBody) => void, string]>([
    ['a file: URL', (b) => (b.checks[0].url = 'file:///etc/passwd'), 'body.checks[0].url'],
    ['credentials in the URL', (b) => (b.checks[0].url = 'http://u:p@x/'), 'body.checks[0].url'],
    ['a 1 s interval', (b) => (b.checks[0].intervalMs = 1000), 'body.checks[0].intervalMs'],
    ['a 2 min timeout', (b) => (b.checks[0].timeoutMs = 120_000), 'body.checks[0].timeoutMs'],
    [
      'an odd redirect policy',
      (b) => ((b.checks[0] as { redirectPolicy: string }).redirectPolicy = 'maybe'),
      'body.checks[0].redirectPolicy',
    ],
    ['an empty phrase', (b) => (b.checks[0].bodyContains = ''), 'body.checks[0].bodyContains'],
    ['51 checks', (b) => (b.checks = Array.from({ length: 51 }, () => b.checks[0])), 'body.checks'],
    ['a short signature', (b) => (b.signature = 'AAAA'), 'body.signature'],
    [
      'an unknown field',
      (b) => Object.assign(b.checks[0], { script: 'rm -rf /' }),
      'body.checks[0].script',
    ],
  ])('refuses %s', (_why, spoil, path) => {
    const body = set();
    spoil(body);
    const parsed = parseFrame(frame('web_checks', body), { from: 'server' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatchObject({ code: 'INVALID_BODY', path });
  });

  it('signs every field of every check, so none can change on the way', () => {
    const { signature: _s, ...body } = set();
    const base = webChecksSigningPayload(body);
    const variants: ((b: typeof body) => void)[] = [
      (b) => (b.checks[0].url = 'https://intranet.example.internal/other'),
      (b) => (b.checks[0].expectedStatus = 204),
      (b) => delete b.checks[0].latencyLimitMs,
      (b) => (b.checks[0].bodyContains = 'ok!'),
      (b) => (b.checks[0].bodyNotContains = 'ok'),
      (b) => (b.checks[0].redirectPolicy = 'error'),
      (b) => (b.checks[0].maxRedirects = 4),
      (b) => (b.checks[0].certWarnDays = 13),
      (b) => (b.checks[0].intervalMs = 61_000),
      (b) => (b.checks[0].timeoutMs = 9_000),
      (b) => (b.issuedAt += 1),
      (b) => (b.deviceId = '00000000-0000-4000-8000-000000000000'),
      (b) => (b.checks = []),
      // A phrase moved from one field to the other signs differently too.
      (b) => {
        b.checks[0].bodyNotContains = b.checks[0].bodyContains;
        delete b.checks[0].bodyContains;
      },
    ];
    for (const change of variants) {
      const changed = structuredClone(body);
      change(changed);
      expect(webChecksSigningPayload(changed).equals(base)).toBe(false);
    }
  });
});

describe('web_check_results', () => {
  it('is an agent message of protocol 6, with only the outcome required', () => {
    expect(parseFrame(frame('web_check_results', results()), { from: 'agent' }).ok).toBe(true);
    const minimal = { results: [{ checkId: results().results[0].checkId, at: 1, outcome: 'ok' }] };
    expect(parseFrame(encodeFrame('web_check_results', minimal as WebCheckResultsBody)).ok).toBe(
      true,
    );
  });

  it.each<[string, (b: WebCheckResultsBody) => void, string]>([
    ['no result', (b) => (b.results = []), 'body.results'],
    [
      '101 results',
      (b) => (b.results = Array.from({ length: 101 }, () => b.results[0])),
      'body.results',
    ],
    [
      'an unknown outcome',
      (b) => ((b.results[0] as { outcome: string }).outcome = 'unknown'),
      'body.results[0].outcome',
    ],
    ['a fractional latency', (b) => (b.results[0].latencyMs = 1.5), 'body.results[0].latencyMs'],
    ['a long message', (b) => (b.results[0].message = 'x'.repeat(501)), 'body.results[0].message'],
    [
      'an uppercase check id',
      (b) => (b.results[0].checkId = b.results[0].checkId.toUpperCase()),
      'body.results[0].checkId',
    ],
  ])('refuses %s', (_why, spoil, path) => {
    const body = results();
    spoil(body);
    const parsed = parseFrame(frame('web_check_results', body), { from: 'agent' });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatchObject({ code: 'INVALID_BODY', path });
  });
});
