import { generateDeviceKeyPair, listDirSigningPayload, signPayload, verifyPayload } from './crypto';
import { encodeFrame, parseFrame, PROTOCOL_VERSION } from './envelope';
import { DIR_LIMITS, type DirListingBody, type ListDirBody } from './files';
import { sampleBodies } from './test-support/samples';

const frame = (type: 'list_dir' | 'dir_listing', body: unknown): string =>
  JSON.stringify({ v: PROTOCOL_VERSION, type, id: 'files-0123456789ab', ts: 1, body });

const listDir = (): ListDirBody => structuredClone(sampleBodies().list_dir);
const listing = (): DirListingBody => structuredClone(sampleBodies().dir_listing);

function refused(type: 'list_dir' | 'dir_listing', body: unknown, path: string, reason: RegExp) {
  const result = parseFrame(frame(type, body));
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error).toMatchObject({ code: 'INVALID_BODY', path, type });
  expect(result.error.reason).toMatch(reason);
  expect(() => encodeFrame(type, body as never)).toThrow(path);
}

describe('list_dir', () => {
  it('accepts the sample from the server only, in the current protocol', () => {
    expect(parseFrame(frame('list_dir', listDir()), { from: 'server' }).ok).toBe(true);
    const fromAgent = parseFrame(frame('list_dir', listDir()), { from: 'agent' });
    expect(!fromAgent.ok && fromAgent.error.code).toBe('UNKNOWN_TYPE');
  });

  it.each<[string, (b: Record<string, unknown>) => void, string, RegExp]>([
    ['a relative path? no: an empty one', (b) => (b.path = ''), 'body.path', /empty/],
    ['a path past the limit', (b) => (b.path = `/${'a'.repeat(1024)}`), 'body.path', /longer/],
    ['a path with NUL', (b) => (b.path = '/var/\u0000log'), 'body.path', /NUL/],
    ['no entry cap', (b) => delete b.maxEntries, 'body.maxEntries', /required/],
    ['a cap of 0', (b) => (b.maxEntries = 0), 'body.maxEntries', /between 1 and 2000/],
    ['a cap past the limit', (b) => (b.maxEntries = 2001), 'body.maxEntries', /between/],
    ['an uppercase device id', (b) => (b.deviceId = 'A'.repeat(36)), 'body.deviceId', /uuid/],
    ['a request id that is no uuid', (b) => (b.requestId = 'x'), 'body.requestId', /shorter/],
    ['allow as a string', (b) => (b.allow = '/var/log/**'), 'body.allow', /array/],
    ['an empty deny glob', (b) => (b.deny = ['']), 'body.deny[0]', /empty/],
    [
      'too many globs',
      (b) => (b.allow = Array.from({ length: 257 }, () => '/x')),
      'body.allow',
      /more than 256/,
    ],
    ['no signature', (b) => delete b.signature, 'body.signature', /required/],
    ['a short signature', (b) => (b.signature = 'AAAA'), 'body.signature', /64 bytes/],
    ['a smuggled field', (b) => (b.recursive = true), 'body.recursive', /unknown field/],
    ['a float time', (b) => (b.issuedAt = 1.5), 'body.issuedAt', /integer/],
    [
      'an expiry before the issue',
      (b) => (b.expiresAt = (b.issuedAt as number) - 1),
      'body.expiresAt',
      /within 60000 ms/,
    ],
    [
      'an expiry too far ahead',
      (b) => (b.expiresAt = (b.issuedAt as number) + DIR_LIMITS.validityMs + 1),
      'body.expiresAt',
      /within 60000 ms/,
    ],
  ])('refuses %s', (_name, mutate, path, reason) => {
    const body = listDir() as unknown as Record<string, unknown>;
    mutate(body);
    refused('list_dir', body, path, reason);
  });

  it('signs every field: a changed path, device, list or window breaks the signature', () => {
    const keys = generateDeviceKeyPair();
    const { signature: _, ...unsigned } = listDir();
    const signature = signPayload(keys.privateKey, listDirSigningPayload(unsigned));
    expect(verifyPayload(keys.publicKey, listDirSigningPayload(unsigned), signature)).toBe(true);
    const changed: Omit<ListDirBody, 'signature'>[] = [
      { ...unsigned, path: '/etc' },
      { ...unsigned, deviceId: '00000000-0000-4000-8000-000000000000' },
      { ...unsigned, requestId: '00000000-0000-4000-8000-000000000000' },
      { ...unsigned, maxEntries: 2000 },
      { ...unsigned, allow: [...unsigned.allow, '/**'] },
      { ...unsigned, deny: [] },
      // A glob moved from deny to allow keeps the same strings in the same order.
      { ...unsigned, allow: [...unsigned.allow, ...unsigned.deny], deny: [] },
      { ...unsigned, expiresAt: unsigned.expiresAt + 1 },
      { ...unsigned, issuedAt: unsigned.issuedAt + 1 },
    ];
    for (const body of changed)
      expect(verifyPayload(keys.publicKey, listDirSigningPayload(body), signature)).toBe(false);
  });
});

describe('dir_listing', () => {
  it('accepts the sample from the agent only, and a refusal without entries', () => {
    expect(parseFrame(frame('dir_listing', listing()), { from: 'agent' }).ok).toBe(true);
    const fromServer = parseFrame(frame('dir_listing', listing()), { from: 'server' });
    expect(!fromServer.ok && fromServer.error.code).toBe('UNKNOWN_TYPE');
    const refusal: DirListingBody = {
      requestId: listing().requestId,
      path: '/etc',
      entries: [],
      total: 0,
      truncated: false,
      error: { reason: 'not_allowed', message: '/etc matches no allowed path glob' },
    };
    expect(parseFrame(frame('dir_listing', refusal), { from: 'agent' }).ok).toBe(true);
  });

  it.each<[string, (b: DirListingBody) => void, string, RegExp]>([
    [
      'a name with a slash',
      (b) => (b.entries[0].name = 'a/b'),
      'body.entries[0].name',
      /one file name/,
    ],
    ['a ".." entry', (b) => (b.entries[0].name = '..'), 'body.entries[0].name', /one file name/],
    ['an empty name', (b) => (b.entries[0].name = ''), 'body.entries[0].name', /empty/],
    [
      'an unknown type',
      (b) => set(b.entries[0], 'type', 'socket'),
      'body.entries[0].type',
      /one of/,
    ],
    ['a negative size', (b) => (b.entries[0].size = -1), 'body.entries[0].size', /between/],
    [
      'a mode past 16 bits',
      (b) => (b.entries[0].mode = 0o200000),
      'body.entries[0].mode',
      /between/,
    ],
    [
      'a refused entry with its size',
      (b) => (b.entries[2].size = 10),
      'body.entries[2].refused',
      /only its name and type/,
    ],
    [
      'an unknown refusal',
      (b) => set(b.entries[2], 'refused', 'secret'),
      'body.entries[2].refused',
      /one of/,
    ],
    [
      'too many entries',
      (b) => (b.entries = Array.from({ length: 2001 }, () => b.entries[0])),
      'body.entries',
      /more than 2000/,
    ],
    ['a total below the entries', (b) => (b.total = 2), 'body.total', /fewer than the entries/],
    [
      'truncated while all are listed',
      (b) => ((b.total = 3), (b.truncated = true)),
      'body.truncated',
      /exactly when/,
    ],
    [
      'not truncated while some are left out',
      (b) => (b.truncated = false),
      'body.truncated',
      /exactly when/,
    ],
    [
      'an error with entries',
      (b) => (b.error = { reason: 'failed', message: 'EIO' }),
      'body.error',
      /no entries/,
    ],
    [
      'an unknown error reason',
      (b) => (
        (b.entries = []),
        (b.total = 0),
        (b.truncated = false),
        set(b, 'error', { reason: 'nope', message: '' })
      ),
      'body.error.reason',
      /one of/,
    ],
    ['a smuggled field', (b) => set(b, 'content', 'secret'), 'body.content', /unknown field/],
  ])('refuses %s', (_name, mutate, path, reason) => {
    const body = listing();
    mutate(body);
    refused('dir_listing', body, path, reason);
  });
});

function set(target: object, key: string, value: unknown): void {
  Object.assign(target, { [key]: value });
}
