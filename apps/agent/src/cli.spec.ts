import { parseCli, UsageError } from './cli';

const fails = (argv: string[], message: RegExp) => {
  expect(() => parseCli(argv)).toThrow(UsageError);
  expect(() => parseCli(argv)).toThrow(message);
};

describe('parseCli', () => {
  it.each([[[]], [['help']], [['--help']], [['-h']], [['run', '--help']], [['enroll', '-h']]])(
    'shows help for %j',
    (argv) => expect(parseCli(argv)).toEqual({ kind: 'help' }),
  );

  it('parses enroll', () => {
    expect(
      parseCli(['enroll', '--server', 'https://rmm.example.com/', '--token', 't0k', '--force']),
    ).toEqual({
      kind: 'enroll',
      server: 'https://rmm.example.com',
      token: 't0k',
      stateDir: undefined,
      force: true,
    });
  });

  it('parses simulate with a bind list', () => {
    expect(
      parseCli([
        'simulate',
        '--server=http://10.0.0.5:3000',
        '--insecure',
        '--count',
        '5000',
        '--bind',
        '127.0.0.2, 127.0.0.3',
        '--heartbeat-jitter',
        '--state-dir',
        '/tmp/sim',
        '--enroll-timeout',
        '90',
        '--enroll-concurrency',
        '200',
        '--enroll-only',
        '--collect-logs',
        '--hold-uploads',
      ]),
    ).toEqual({
      kind: 'simulate',
      server: 'http://10.0.0.5:3000',
      token: undefined,
      count: 5000,
      bind: ['127.0.0.2', '127.0.0.3'],
      stateDir: '/tmp/sim',
      heartbeatJitter: true,
      enrollDeadlineMs: 90_000,
      enrollConcurrency: 200,
      enrollOnly: true,
      collectLogs: true,
      holdUploads: true,
    });
    // Holding uploads means nothing without collections to upload.
    expect(() =>
      parseCli(['simulate', '--server', 'http://127.0.0.1:1', '--count', '1', '--hold-uploads']),
    ).toThrow(/--hold-uploads needs --collect-logs/);
  });

  it('parses uninstall-service and refuses options it does not take', () => {
    expect(parseCli(['uninstall-service'])).toEqual({ kind: 'uninstall-service' });
    expect(() => parseCli(['uninstall-service', '--state-dir', '/x'])).toThrow(UsageError);
  });

  it('parses run and install-service', () => {
    expect(parseCli(['run', '--state-dir', '/x'])).toEqual({
      kind: 'run',
      stateDir: '/x',
      maxConcurrentRuns: 4,
    });
    expect(parseCli(['run', '--max-concurrent-runs', '12'])).toEqual({
      kind: 'run',
      stateDir: undefined,
      maxConcurrentRuns: 12,
    });
    expect(parseCli(['install-service', '--dry-run'])).toEqual({
      kind: 'install-service',
      stateDir: undefined,
      dryRun: true,
    });
  });

  it('refuses plain http to another machine unless --insecure is given', () => {
    for (const url of ['http://rmm.example.com', 'http://10.0.0.5:3000', 'http://[2001:db8::1]']) {
      fails(['enroll', '--server', url, '--token', 't'], /is not https.*--insecure/);
      fails(['simulate', '--server', url, '--count', '1'], /is not https.*--insecure/);
      expect(parseCli(['enroll', '--server', url, '--token', 't', '--insecure'])).toMatchObject({
        kind: 'enroll',
      });
    }
    for (const url of [
      'http://localhost:3000',
      'http://127.0.0.1:3000',
      'http://127.9.8.7',
      'http://[::1]:3000',
      'https://rmm.example.com',
    ]) {
      expect(parseCli(['enroll', '--server', url, '--token', 't'])).toMatchObject({
        kind: 'enroll',
      });
    }
    // Names that only look like loopback are not.
    for (const url of ['http://127.0.0.1.evil.example', 'http://localhost.evil.example']) {
      fails(['enroll', '--server', url, '--token', 't'], /is not https/);
    }
  });

  it('parses --server-key-sha256 as pasted and refuses anything else', () => {
    const hex = 'ab'.repeat(32);
    const pasted = `SHA256:${'AB:'.repeat(31)}AB`;
    expect(
      parseCli(['enroll', '--server', 'https://x', '--token', 't', '--server-key-sha256', pasted]),
    ).toMatchObject({ serverKeySha256: hex });
    fails(
      ['enroll', '--server', 'https://x', '--token', 't', '--server-key-sha256', 'abc'],
      /64 hex digits/,
    );
  });

  it('rejects unknown commands and options', () => {
    fails(['frobnicate'], /unknown command 'frobnicate'/);
    fails(['--verbose'], /unknown option '--verbose'/);
    fails(['run', '--server', 'http://x'], /run: Unknown option '--server'/);
    fails(['run', 'extra'], /run: .*positional/i);
  });

  it('insists on required options and sane values', () => {
    fails(['enroll', '--token', 't'], /--server is required/);
    fails(['enroll', '--server', 'https://x'], /--token is required/);
    fails(['enroll', '--server', 'ftp://x', '--token', 't'], /http:\/\/ or https:\/\//);
    fails(['enroll', '--server', 'not a url', '--token', 't'], /must be a URL/);
    fails(['enroll', '--server', 'https://x?a=1', '--token', 't'], /query/);
    fails(['enroll', '--server'], /argument missing|--server/);
    fails(['simulate', '--server', 'https://x'], /--count is required/);
    fails(['simulate', '--server', 'https://x', '--count', '0'], /whole number/);
    fails(['simulate', '--server', 'https://x', '--count', '1.5'], /whole number/);
    fails(['simulate', '--server', 'https://x', '--count', '5', '--bind', '127.0.0.2,x'], /'x'/);
    fails(
      ['simulate', '--server', 'https://x', '--count', '5', '--enroll-timeout', '0'],
      /seconds/,
    );
    fails(
      ['simulate', '--server', 'https://x', '--count', '5', '--enroll-timeout', '1m'],
      /seconds/,
    );
    for (const n of ['0', '1001', '2.5']) {
      fails(
        ['simulate', '--server', 'https://x', '--count', '5', '--enroll-concurrency', n],
        /--enroll-concurrency must be a whole number from 1 to 1000/,
      );
    }
    fails(['run', '--state-dir', ''], /must not be empty/);
    fails(['run', '--max-concurrent-runs', '0'], /from 1 to 64/);
    fails(['run', '--max-concurrent-runs', '65'], /from 1 to 64/);
    fails(['run', '--max-concurrent-runs', '2x'], /from 1 to 64/);
  });
});
