import { generateDeviceKeyPair, serverKeyFingerprint } from '@fleetdesk/protocol';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enrollCommand, EnrollError, requestEnrollment, type FetchFn } from './enroll';
import { ExitCode } from './exit-codes';
import { loadIdentity } from './state';
import { FakeServer } from './test-support/fake-server';
import { recordingLogger } from './test-support/recording-logger';

// Real sockets on a busy 2-core CI box: more headroom than jest's default 5 s.
jest.setTimeout(30_000);

const facts = {
  hostname: 'h',
  os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
  agentVersion: '0.1.0',
};
const request = { token: 't', publicKey: generateDeviceKeyPair().publicKey, facts };

const answer =
  (status: number, body: unknown, headers: Record<string, string> = {}): FetchFn =>
  () =>
    Promise.resolve(
      new Response(typeof body === 'string' ? body : JSON.stringify(body), { status, headers }),
    );

describe('requestEnrollment', () => {
  it("puts the server's own message and code in the error", async () => {
    const fetchFn = answer(401, {
      statusCode: 401,
      code: 'ENROLLMENT_TOKEN_EXPIRED',
      message: 'This enrollment token expired on 2024-11-20.',
    });
    const err = await requestEnrollment('http://s', request, fetchFn).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnrollError);
    expect((err as EnrollError).message).toBe(
      'the server refused enrollment: This enrollment token expired on 2024-11-20. (401 ENROLLMENT_TOKEN_EXPIRED)',
    );
    expect((err as EnrollError).retryable).toBe(false);
  });

  it('marks rate limits retryable and reads Retry-After', async () => {
    const fetchFn = answer(
      429,
      { statusCode: 429, code: 'TOO_MANY_REQUESTS', message: 'slow' },
      {
        'retry-after': '7',
      },
    );
    const err = (await requestEnrollment('http://s', request, fetchFn).catch(
      (e: unknown) => e,
    )) as EnrollError;
    expect(err.retryable).toBe(true);
    expect(err.retryAfterSeconds).toBe(7);
  });

  it('copes with non-JSON errors and unreachable servers', async () => {
    await expect(
      requestEnrollment('http://s', request, answer(502, '<html>bad gateway</html>')),
    ).rejects.toThrow(/\(HTTP 502\)/);
    const down: FetchFn = () =>
      Promise.reject(
        new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') }),
      );
    await expect(requestEnrollment('http://s', request, down)).rejects.toThrow(
      'could not reach http://s/api/agent/enroll: connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('refuses an answer whose server key is not an Ed25519 public key', async () => {
    const ok = { deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b', heartbeatIntervalMs: 30_000 };
    await expect(
      requestEnrollment(
        'http://s',
        request,
        answer(201, { ...ok, serverPublicKey: generateDeviceKeyPair().privateKey }),
      ),
    ).rejects.toThrow(/not Ed25519/);
    await expect(
      requestEnrollment(
        'http://s',
        request,
        answer(201, { ...ok, deviceId: 'ABC', serverPublicKey: generateDeviceKeyPair().publicKey }),
      ),
    ).rejects.toThrow(/uuid/);
  });
});

describe('enrollCommand', () => {
  let dir: string;
  let server: FakeServer;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-enroll-'));
  });
  afterEach(async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('enrolls against the server and stores the identity it was given', async () => {
    server = await new FakeServer().start();
    const log = recordingLogger();
    const code = await enrollCommand(
      { server: server.url, token: 'tok', stateDir: dir, force: false },
      log,
    );

    expect(code).toBe(ExitCode.OK);
    const [sent] = server.enrollRequests as {
      token: string;
      publicKey: string;
      facts: typeof facts;
    }[];
    expect(sent?.token).toBe('tok');
    expect(sent?.facts.agentVersion).toBe('0.1.0');
    const identity = await loadIdentity(dir);
    expect(identity && server.devices.get(identity.deviceId)).toBe(sent?.publicKey);
    expect(identity?.serverPublicKey.export({ type: 'spki', format: 'pem' })).toBe(
      server.keys.publicKey,
    );
  });

  it('refuses to re-enroll without --force, before spending the token', async () => {
    server = await new FakeServer().start();
    const args = { server: server.url, token: 'tok', stateDir: dir, force: false };
    await enrollCommand(args, recordingLogger());
    const log = recordingLogger();

    expect(await enrollCommand(args, log)).toBe(ExitCode.USAGE);
    expect(server.enrollRequests).toHaveLength(1);
    expect(log.has('error', /already enrolled.*--force/)).toBe(true);
    expect(await enrollCommand({ ...args, force: true }, recordingLogger())).toBe(ExitCode.OK);
    expect(server.enrollRequests).toHaveLength(2);
  });

  it('prints the server refusal and exits non-zero, saving nothing', async () => {
    server = await new FakeServer({
      enrollError: {
        status: 401,
        body: {
          statusCode: 401,
          code: 'ENROLLMENT_TOKEN_USED_UP',
          message: 'Token has no uses left.',
        },
      },
    }).start();
    const log = recordingLogger();
    const code = await enrollCommand(
      { server: server.url, token: 'tok', stateDir: dir, force: false },
      log,
    );

    expect(code).toBe(ExitCode.FAILURE);
    expect(log.has('error', /Token has no uses left\. \(401 ENROLLMENT_TOKEN_USED_UP\)/)).toBe(
      true,
    );
    expect(await loadIdentity(dir)).toBeNull();
  });

  it('saves the identity when the server key has the expected fingerprint', async () => {
    server = await new FakeServer().start();
    const expected = serverKeyFingerprint(server.keys.publicKey);
    const code = await enrollCommand(
      { server: server.url, token: 'tok', stateDir: dir, force: false, serverKeySha256: expected },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.OK);
    expect(await loadIdentity(dir)).not.toBeNull();
  });

  it('refuses a server key with another fingerprint and leaves the state dir untouched', async () => {
    server = await new FakeServer().start();
    const stateDir = join(dir, 'state');
    const other = serverKeyFingerprint(generateDeviceKeyPair().publicKey);
    const log = recordingLogger();
    const code = await enrollCommand(
      { server: server.url, token: 'tok', stateDir, force: false, serverKeySha256: other },
      log,
    );

    expect(code).toBe(ExitCode.FAILURE);
    expect(
      log.has(
        'error',
        new RegExp(
          `fingerprint ${serverKeyFingerprint(server.keys.publicKey)}, not the expected ${other}.*Nothing was saved`,
        ),
      ),
    ).toBe(true);
    expect(await readdir(dir)).toEqual([]);
  });

  it("waits out a 429 as long as the server's Retry-After asks, then enrolls", async () => {
    // One enrollment per 5 s: the first request spends it, so ours is turned away once. (A
    // 1 s window could pass between the two requests on a loaded machine.)
    server = await new FakeServer({ enrollRateLimit: { limit: 1, windowMs: 5_000 } }).start();
    await requestEnrollment(server.url, request);
    const waits: number[] = [];
    const log = recordingLogger();
    const code = await enrollCommand(
      { server: server.url, token: 'tok', stateDir: dir, force: false },
      log,
      fetch,
      {
        random: () => 0,
        sleep: (ms) => {
          waits.push(ms);
          return new Promise((r) => setTimeout(r, ms));
        },
      },
    );
    expect(code).toBe(ExitCode.OK);
    // Retry-After is the rest of the window in whole seconds: 5, or 4 if a second went by.
    expect(waits).toHaveLength(1);
    expect([4_000, 5_000]).toContain(waits[0]);
    expect(server.enrollLog.map((e) => e.status)).toEqual([201, 429, 201]);
    expect(
      log.has('info', new RegExp(`wait \\(TOO_MANY_REQUESTS\\); retrying in ${waits[0] / 1000} s`)),
    ).toBe(true);
    expect(await loadIdentity(dir)).not.toBeNull();
  });

  it('gives up on a 429 whose wait would pass its deadline, saving nothing', async () => {
    server = await new FakeServer({ enrollRateLimit: { limit: 0, windowMs: 60_000 } }).start();
    const log = recordingLogger();
    const code = await enrollCommand(
      { server: server.url, token: 'tok', stateDir: dir, force: false },
      log,
      fetch,
      { deadlineMs: 5_000, sleep: () => Promise.reject(new Error('must not wait')) },
    );
    expect(code).toBe(ExitCode.FAILURE);
    expect(log.has('error', /enrollment failed: .*429/)).toBe(true);
    expect(await loadIdentity(dir)).toBeNull();
  });
});
