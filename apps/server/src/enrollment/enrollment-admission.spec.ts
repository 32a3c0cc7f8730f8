import {
  planAdmissions,
  type AdmissionRequest,
  type EnrolledKey,
  type FailureState,
  type TokenState,
} from './enrollment-admission';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const LIMITS = { failureLimit: 3, failureWindowMs: 60_000 };

function token(over: Partial<TokenState> = {}): TokenState {
  return {
    id: 't1',
    tokenHash: 'h1',
    expiresAt: new Date(NOW + 3_600_000),
    revokedAt: null,
    maxUses: null,
    uses: 0,
    ratePerMinute: 1000,
    rateTat: null,
    ...over,
  };
}

let key = 0;
const req = (over: Partial<AdmissionRequest> = {}): AdmissionRequest => ({
  tokenHash: 'h1',
  publicKey: `key-${key++}`,
  address: '10.0.0.1',
  ...over,
});

function plan(
  requests: AdmissionRequest[],
  tokens: TokenState[] = [token()],
  failures: [string, FailureState][] = [],
  enrolled: (string | [string, EnrolledKey])[] = [],
) {
  return planAdmissions(
    requests,
    new Map(tokens.map((t) => [t.tokenHash, t])),
    new Map(failures),
    new Map(
      enrolled.map((e): [string, EnrolledKey] =>
        typeof e === 'string'
          ? [e, { deviceId: `d-${e}`, enrollmentTokenId: 't0', fresh: false }]
          : e,
      ),
    ),
    NOW,
    LIMITS,
  );
}

const codes = (p: ReturnType<typeof plan>) =>
  p.decisions.map((d) => (d.ok ? 'ok' : (d.error as { code: string }).code));

describe('planAdmissions', () => {
  it('admits up to maxUses, counting uses already spent', () => {
    const p = plan(
      Array.from({ length: 5 }, () => req()),
      [token({ maxUses: 5, uses: 2 })],
    );
    expect(codes(p)).toEqual(['ok', 'ok', 'ok', ...Array(2).fill('ENROLLMENT_TOKEN_USED_UP')]);
    expect(p.tokens.get('t1')?.admitted).toBe(3);
  });

  it('admits a burst of ratePerMinute, then one per 60/rate seconds, with Retry-After to match', () => {
    const p = plan(
      Array.from({ length: 8 }, () => req()),
      [token({ ratePerMinute: 6 })],
    );
    expect(codes(p).filter((c) => c === 'ok')).toHaveLength(6);
    const limited = p.decisions.filter((d) => !d.ok);
    expect(limited.map((d) => !d.ok && d.error.details?.retryAfterSeconds)).toEqual([10, 10]);
    // The bucket is empty a minute from now: tat = now + 6 × 10 s.
    expect(p.tokens.get('t1')?.rateTat).toBe(NOW + 60_000);
    // 10 s later, exactly one slot has refilled.
    const later = planAdmissions(
      [req(), req()],
      new Map([['h1', token({ ratePerMinute: 6, rateTat: NOW + 60_000 })]]),
      new Map(),
      new Map(),
      NOW + 10_000,
      LIMITS,
    );
    expect(codes(later)).toEqual(['ok', 'ENROLLMENT_TOKEN_RATE_LIMITED']);
  });

  it('refuses unknown, revoked and expired tokens and counts them against the address until it is locked', () => {
    const tokens = [
      token(),
      token({ id: 't2', tokenHash: 'revoked', revokedAt: new Date(NOW - 1) }),
      token({ id: 't3', tokenHash: 'expired', expiresAt: new Date(NOW) }),
    ];
    const p = plan(
      [
        req({ tokenHash: 'nope' }),
        req({ tokenHash: 'revoked' }),
        req({ tokenHash: 'expired' }),
        req(),
        req({ address: '10.0.0.2' }),
      ],
      tokens,
    );
    expect(codes(p)).toEqual([
      'ENROLLMENT_TOKEN_INVALID',
      'ENROLLMENT_TOKEN_REVOKED',
      'ENROLLMENT_TOKEN_EXPIRED',
      'ENROLLMENT_ADDRESS_LOCKED',
      'ok',
    ]);
    expect([...p.failures]).toEqual([['10.0.0.1', 3]]);
  });

  it('forgets failures from an ended window, and keeps a live one counting', () => {
    const stale: [string, FailureState] = ['10.0.0.1', { failures: 3, windowStart: NOW - 60_000 }];
    expect(codes(plan([req()], [token()], [stale]))).toEqual(['ok']);
    const live: [string, FailureState] = ['10.0.0.1', { failures: 3, windowStart: NOW - 45_000 }];
    const p = plan([req()], [token()], [live]);
    expect(codes(p)).toEqual(['ENROLLMENT_ADDRESS_LOCKED']);
    expect(!p.decisions[0].ok && p.decisions[0].error.details).toEqual({ retryAfterSeconds: 15 });
  });

  it('refuses a key already enrolled or twice in one batch, without spending a use', () => {
    const p = plan(
      [req({ publicKey: 'taken' }), req({ publicKey: 'twice' }), req({ publicKey: 'twice' })],
      [token({ maxUses: 10 })],
      [],
      ['taken'],
    );
    expect(codes(p)).toEqual(['DEVICE_KEY_IN_USE', 'ok', 'DEVICE_KEY_IN_USE']);
    expect(p.tokens.get('t1')?.admitted).toBe(1);
    expect(p.failures.size).toBe(0);
  });

  it('answers a repeat of a fresh enrollment (same key and token) with its device, at no cost', () => {
    const fresh = (tokenId: string, isFresh = true): EnrolledKey => ({
      deviceId: `dev-${tokenId}`,
      enrollmentTokenId: tokenId,
      fresh: isFresh,
    });
    const p = plan(
      [
        req({ publicKey: 'again' }),
        req({ publicKey: 'other-token' }),
        req({ publicKey: 'connected' }),
        req({ publicKey: 'new' }),
      ],
      [token({ maxUses: 1, uses: 0 })],
      [],
      [
        ['again', fresh('t1')],
        ['other-token', fresh('t2')],
        ['connected', fresh('t1', false)],
      ],
    );
    expect(codes(p)).toEqual(['ok', 'DEVICE_KEY_IN_USE', 'DEVICE_KEY_IN_USE', 'ok']);
    expect(p.decisions[0]).toEqual({ ok: true, tokenId: 't1', repeatOf: 'dev-t1' });
    // The repeat spent neither the token's one use nor a slot of its rate.
    expect(p.tokens.get('t1')?.admitted).toBe(1);
  });

  it('refuses a repeat with a token that is no longer valid', () => {
    const p = plan(
      [req({ publicKey: 'again' })],
      [token({ revokedAt: new Date(NOW - 1) })],
      [],
      [['again', { deviceId: 'd', enrollmentTokenId: 't1', fresh: true }]],
    );
    expect(codes(p)).toEqual(['ENROLLMENT_TOKEN_REVOKED']);
  });
});
