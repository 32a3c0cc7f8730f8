import { type AgentCheckRequest, agentCheckProblem, agentCheckProblems } from './agent-checks';

const check = (over: Partial<AgentCheckRequest>): AgentCheckRequest => ({
  name: 'a check',
  kind: 'cpu',
  target: { all: true },
  thresholdPercent: 90,
  ...over,
});

describe('agentCheckProblems (the console form and the server share it)', () => {
  it('accepts a complete check of each kind', () => {
    for (const c of [
      check({}),
      check({ kind: 'disk', mount: '/data', durationSeconds: 300 }),
      check({ kind: 'disk' }),
      check({ kind: 'service', service: 'postgresql', thresholdPercent: null }),
      check({ kind: 'process', process: 'nginx' }),
      check({ kind: 'ping', host: 'fe80::1%eth0', timeoutSeconds: 5, intervalSeconds: 30 }),
      check({ kind: 'tcp', host: 'db.local', port: 5432 }),
      check({ kind: 'script', language: 'sh', script: 'exit 0' }),
      // Naming no device: it runs where a policy carries it.
      check({ target: {} }),
    ])
      expect(agentCheckProblems(c)).toEqual({});
  });

  it('names the field at fault, as the server words it', () => {
    expect(agentCheckProblems(check({ name: '  ' }))).toEqual({ name: 'Give the check a name' });
    expect(agentCheckProblems(check({ thresholdPercent: null })).thresholdPercent).toBe(
      'a cpu check needs thresholdPercent',
    );
    expect(agentCheckProblems(check({ thresholdPercent: 101 })).thresholdPercent).toMatch(
      /from 0 to 100/,
    );
    expect(agentCheckProblems(check({ kind: 'tcp', host: 'db' })).port).toBe(
      'a tcp check needs port',
    );
    expect(agentCheckProblems(check({ kind: 'tcp', host: 'db', port: 70_000 })).port).toMatch(
      /from 1 to 65535/,
    );
    expect(agentCheckProblems(check({ kind: 'ping', host: '-f' })).host).toMatch(/host name/);
    expect(agentCheckProblems(check({ kind: 'ping', host: 'a b' })).host).toMatch(/host name/);
    expect(agentCheckProblems(check({ kind: 'service', service: '--user' })).service).toMatch(
      /must not start with "-"/,
    );
    expect(agentCheckProblems(check({ kind: 'disk', mount: '/a\nb' })).mount).toMatch(/control/);
    expect(agentCheckProblems(check({ kind: 'script', language: 'sh' })).script).toBe(
      'a script check needs script',
    );
    expect(agentCheckProblems(check({ intervalSeconds: 4 })).intervalSeconds).toMatch(/from 5/);
    expect(agentCheckProblems(check({ failThreshold: 1.5 })).failThreshold).toMatch(/whole/);
  });

  it('keeps a probe’s timeout within its interval, defaults included', () => {
    const ping = { kind: 'ping' as const, host: 'gw' };
    expect(agentCheckProblems(check({ ...ping, intervalSeconds: 10 })).timeoutSeconds).toBe(
      'timeoutSeconds must not exceed intervalSeconds',
    );
    expect(agentCheckProblems(check({ ...ping, intervalSeconds: 10, timeoutSeconds: 10 }))).toEqual(
      {},
    );
    // A threshold check has no probe: the default timeout does not matter.
    expect(agentCheckProblems(check({ intervalSeconds: 10 }))).toEqual({});
  });

  it('ignores the settings a kind does not use (the server clears them)', () => {
    expect(
      agentCheckProblems(check({ kind: 'process', process: 'x', port: -1, host: '-' })),
    ).toEqual({});
  });

  it('answers the first problem as one sentence', () => {
    expect(agentCheckProblem(check({}))).toBeNull();
    expect(agentCheckProblem(check({ kind: 'tcp', host: 'db' }))).toBe('a tcp check needs port');
  });
});
