import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      databaseUrl: undefined,
      redisUrl: undefined,
      logLevel: 'info',
      bootstrapAdmin: undefined,
      sessionTtlMs: 12 * 3_600_000,
      cookieSecure: 'auto',
      trustProxy: false,
    });
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.consoleOrigins).toEqual([]);
    expect(c.consoleDir).toMatch(/apps\/console\/dist$/);
  });

  it('reads every variable it documents', () => {
    const c = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgres://u@db:5432/fleet',
      DATA_DIR: '/var/lib/fleetdesk',
      REDIS_URL: 'redis://cache:6379',
      LOG_LEVEL: 'debug',
      FLEETDESK_ADMIN_EMAIL: 'a@b.co',
      FLEETDESK_ADMIN_PASSWORD: 'twelve-chars-long',
      TRUST_PROXY: '1',
      CONSOLE_ORIGINS: 'http://localhost:5173, https://rmm.example.com/',
      CONSOLE_DIR: '/srv/console',
    });
    expect(c).toMatchObject({
      port: 8080,
      databaseUrl: 'postgres://u@db:5432/fleet',
      dataDir: '/var/lib/fleetdesk',
      redisUrl: 'redis://cache:6379',
      logLevel: 'debug',
      bootstrapAdmin: { email: 'a@b.co', password: 'twelve-chars-long' },
      trustProxy: 1,
      consoleOrigins: ['http://localhost:5173', 'https://rmm.example.com'],
      consoleDir: '/srv/console',
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be between 0 and 65535 (got "70000")'],
    [
      { DATABASE_URL: 'mysql://x' },
      'DATABASE_URL must be a postgres:// or postgresql:// URL (got "mysql://x")',
    ],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must be a redis:// or rediss:// URL (got "http://x")'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
    ],
    [
      { FLEETDESK_ADMIN_EMAIL: 'nope', FLEETDESK_ADMIN_PASSWORD: 'long-enough-pass' },
      'FLEETDESK_ADMIN_EMAIL must be an email address (got "nope")',
    ],
    [
      { FLEETDESK_ADMIN_EMAIL: 'a@b.co', FLEETDESK_ADMIN_PASSWORD: 'short' },
      'FLEETDESK_ADMIN_PASSWORD must be at least 12 characters',
    ],
    [
      { FLEETDESK_ADMIN_EMAIL: 'a@b.co' },
      'FLEETDESK_ADMIN_PASSWORD must be set together with FLEETDESK_ADMIN_EMAIL',
    ],
    [
      { TRUST_PROXY: 'maybe' },
      'TRUST_PROXY must be true, false, or the number of proxy hops to trust (got "maybe")',
    ],
    [
      { PUBLIC_URL: 'rmm.example.com' },
      'PUBLIC_URL must be the URL agents and browsers reach this server at, like https://rmm.example.com (got "rmm.example.com")',
    ],
    [{ AGENT_DOWNLOAD_RATE_LIMIT: '0' }, 'AGENT_DOWNLOAD_RATE_LIMIT must be at least 1 (got "0")'],
    [
      { AGENT_BINARIES_DIR: '/nonexistent/bin' },
      'AGENT_BINARIES_DIR must be a folder with the manifest.json of `npm run build:agent` (ENOENT) (got "/nonexistent/bin")',
    ],
    [
      { CONSOLE_ORIGINS: 'localhost:5173' },
      'CONSOLE_ORIGINS must be a comma-separated list of origins like https://rmm.example.com (got "localhost:5173")',
    ],
  ])('refuses %j with one line naming the variable', (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(message);
    expect((error as ConfigError).message).not.toContain('\n');
  });

  it('reads FLEETDESK_SECRET_KEY as hex or base64 of 32 bytes', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ FLEETDESK_SECRET_KEY: key.toString('hex') }).secretKey).toEqual(key);
    expect(loadConfig({ FLEETDESK_SECRET_KEY: key.toString('base64') }).secretKey).toEqual(key);
    expect(loadConfig({ FLEETDESK_SECRET_KEY: key.toString('base64url') }).secretKey).toEqual(key);
    expect(loadConfig({}).secretKey).toBeUndefined();
  });

  it.each(['too-short', 'ab'.repeat(31), Buffer.alloc(31).toString('base64')])(
    'refuses the secret key %j in one line, without echoing it',
    (value) => {
      expect(() => loadConfig({ FLEETDESK_SECRET_KEY: value })).toThrow(
        /^FLEETDESK_SECRET_KEY must be 32 bytes written as 64 hex digits or as base64 \(e\.g\. `openssl rand -base64 32`\)$/,
      );
    },
  );

  it('never echoes a password back in an error', () => {
    expect(() =>
      loadConfig({ FLEETDESK_ADMIN_EMAIL: 'a@b.co', FLEETDESK_ADMIN_PASSWORD: 'secret' }),
    ).toThrow(/^FLEETDESK_ADMIN_PASSWORD must be at least 12 characters$/);
  });

  describe('TLS_CERT_FILE and TLS_KEY_FILE', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fleetdesk-tls-config-'));
      const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
      for (const name of ['a', 'b']) {
        openssl([
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          `/CN=${name}`,
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.crt`),
        ]);
      }
      writeFileSync(join(dir, 'junk.crt'), 'not a certificate');
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('is off when neither is set, and loads a matching pair', () => {
      expect(loadConfig({}).tls).toBeUndefined();
      const c = loadConfig({ TLS_CERT_FILE: join(dir, 'a.crt'), TLS_KEY_FILE: join(dir, 'a.key') });
      expect(c.tls?.cert.toString()).toContain('BEGIN CERTIFICATE');
      expect(c.tls?.key.toString()).toContain('PRIVATE KEY');
    });

    it.each([
      [{ TLS_CERT_FILE: 'a.crt' }, /^TLS_KEY_FILE must be set together with TLS_CERT_FILE$/],
      [{ TLS_KEY_FILE: 'a.key' }, /^TLS_CERT_FILE must be set together with TLS_KEY_FILE$/],
      [
        { TLS_CERT_FILE: '/nonexistent/x.crt', TLS_KEY_FILE: '/nonexistent/x.key' },
        /^TLS_CERT_FILE cannot be read \(ENOENT\)/,
      ],
      [
        { TLS_CERT_FILE: 'a.crt', TLS_KEY_FILE: 'b.key' },
        /^TLS_KEY_FILE and TLS_CERT_FILE are not a usable/,
      ],
      [
        { TLS_CERT_FILE: 'junk.crt', TLS_KEY_FILE: 'a.key' },
        /^TLS_KEY_FILE and TLS_CERT_FILE are not a usable/,
      ],
    ])('refuses %j with a clear error', (env, message) => {
      const abs = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, v.startsWith('/') ? v : join(dir, v)]),
      );
      expect(() => loadConfig(abs)).toThrow(ConfigError);
      expect(() => loadConfig(abs)).toThrow(message);
    });
  });

  describe('agent downloads', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'fleetdesk-bin-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('takes a folder with a manifest, the public URL without its trailing slash, and the rate', () => {
      writeFileSync(join(dir, 'manifest.json'), '{"version":"1.0.0","platforms":[]}');
      const c = loadConfig({
        AGENT_BINARIES_DIR: dir,
        PUBLIC_URL: 'https://rmm.example.com/',
        AGENT_DOWNLOAD_RATE_LIMIT: '5',
        AGENT_DOWNLOAD_RATE_WINDOW_SECONDS: '10',
      });
      expect(c.agentBinariesDir).toBe(dir);
      expect(c.publicUrl).toBe('https://rmm.example.com');
      expect(c.agentDownloadRateLimit).toEqual({ limit: 5, windowMs: 10_000 });
      expect(loadConfig({}).publicUrl).toBeUndefined();
    });

    it('refuses a manifest that is not JSON', () => {
      writeFileSync(join(dir, 'manifest.json'), 'not json');
      expect(() => loadConfig({ AGENT_BINARIES_DIR: dir })).toThrow(
        /^AGENT_BINARIES_DIR has a manifest.json that is not JSON/,
      );
    });
  });
});
