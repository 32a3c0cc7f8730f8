import { type Credential, readCredential, readSocketCredential } from './credentials';

const SESSION = 'fds_' + 'a'.repeat(43);
const TOKEN = 'fdp_' + 'B-_9'.repeat(10);

describe('readCredential', () => {
  it.each<[string, { authorization?: string | string[]; cookie?: string | string[] }, Credential]>([
    ['nothing', {}, { kind: 'none' }],
    ['a bearer token', { authorization: `Bearer ${TOKEN}` }, { kind: 'bearer', secret: TOKEN }],
    [
      'a lower-case scheme',
      { authorization: `bearer ${TOKEN}` },
      { kind: 'bearer', secret: TOKEN },
    ],
    [
      'the session cookie',
      { cookie: `fleetdesk_session=${SESSION}` },
      { kind: 'session', secret: SESSION },
    ],
    [
      'the session cookie among others',
      { cookie: `a=1; fleetdesk_session=${SESSION} ;b=%E0%A4%A` },
      { kind: 'session', secret: SESSION },
    ],
    [
      'a quoted session cookie',
      { cookie: `fleetdesk_session="${SESSION}"` },
      { kind: 'session', secret: SESSION },
    ],
    [
      'a percent-encoded session cookie',
      { cookie: `fleetdesk_session=fds_%41b` },
      { kind: 'session', secret: 'fds_Ab' },
    ],
    ['only other cookies', { cookie: 'theme=dark; fleetdesk_sessionx=1' }, { kind: 'none' }],
    ['an empty session cookie', { cookie: 'fleetdesk_session=' }, { kind: 'none' }],
    ['an empty cookie header', { cookie: '' }, { kind: 'none' }],
    ['a cookie header with no pairs', { cookie: ';;; =' }, { kind: 'none' }],
    [
      'both (the bearer wins, the cookie is not read)',
      { authorization: `Bearer ${TOKEN}`, cookie: 'fleetdesk_session=%E0%A4%A' },
      { kind: 'bearer', secret: TOKEN },
    ],
    [
      'repeated Cookie headers (joined)',
      { cookie: ['x=1', `fleetdesk_session=${SESSION}`] },
      { kind: 'session', secret: SESSION },
    ],
  ])('reads %s', (_name, headers, expected) => {
    expect(readCredential(headers)).toEqual(expected);
  });

  it.each<[string, { authorization?: string | string[]; cookie?: string | string[] }]>([
    ['bad percent-encoding', { cookie: 'fleetdesk_session=%E0%A4%A' }],
    ['a lone percent sign', { cookie: 'fleetdesk_session=fds_%' }],
    [
      'two session cookies',
      { cookie: `fleetdesk_session=${SESSION}; fleetdesk_session=${SESSION}` },
    ],
    [
      'two session cookies in two headers',
      { cookie: [`fleetdesk_session=${SESSION}`, 'fleetdesk_session=x'] },
    ],
    ['an over-long session cookie', { cookie: `fleetdesk_session=fds_${'a'.repeat(5000)}` }],
    ['an encoded NUL', { cookie: 'fleetdesk_session=fds_%00abc' }],
    ['a raw NUL', { cookie: 'fleetdesk_session=fds_\u0000abc' }],
    ['a space inside the value', { cookie: 'fleetdesk_session=fds_a b' }],
    ['non-ASCII', { cookie: 'fleetdesk_session=fds_%C3%A9' }],
    ['Bearer with no token', { authorization: 'Bearer' }],
    ['Bearer and a space', { authorization: 'Bearer ' }],
    ['Basic credentials', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['two spaces', { authorization: `Bearer  ${TOKEN}` }],
    ['a token and more', { authorization: `Bearer ${TOKEN} extra` }],
    ['an empty Authorization header', { authorization: '' }],
    ['two Authorization headers', { authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] }],
    ['an over-long bearer', { authorization: `Bearer fdp_${'a'.repeat(300)}` }],
    ['a bearer with odd characters', { authorization: 'Bearer fdp_a%2Fb' }],
    // An invalid Authorization header is a 401 even beside a good cookie: no fall-back.
    [
      'a bad bearer beside a good cookie',
      { authorization: 'Bearer', cookie: `fleetdesk_session=${SESSION}` },
    ],
  ])('refuses %s as malformed, with a reason', (_name, headers) => {
    const result = readCredential(headers);
    expect(result.kind).toBe('malformed');
    expect(result).toEqual({ kind: 'malformed', reason: expect.stringMatching(/\w+ \w+/) });
  });
});

describe('readSocketCredential', () => {
  it('takes auth.token before any header, and falls back to the headers without one', () => {
    const cookie = `fleetdesk_session=${SESSION}`;
    expect(readSocketCredential({ token: TOKEN }, { cookie })).toEqual({
      kind: 'bearer',
      secret: TOKEN,
    });
    expect(readSocketCredential({}, { cookie })).toEqual({ kind: 'session', secret: SESSION });
    expect(readSocketCredential(undefined, { cookie })).toEqual({
      kind: 'session',
      secret: SESSION,
    });
    expect(readSocketCredential({}, {})).toEqual({ kind: 'none' });
  });

  it.each([[{ token: 42 }], [{ token: '' }], [{ token: 'a b' }], [{ token: 'x'.repeat(300) }]])(
    'refuses %j as malformed',
    (auth) => {
      expect(readSocketCredential(auth, {}).kind).toBe('malformed');
    },
  );
});
