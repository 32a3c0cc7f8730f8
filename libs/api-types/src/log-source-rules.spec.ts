import { logPatternProblem, logSourceProblem, logWindowProblem } from './log-source-rules';

describe('log source rules (shared by the console form, the server and the protocol)', () => {
  it.each([
    [{ type: 'file', path: '/var/log/syslog' }],
    [{ type: 'file', path: '/var/log/nginx/*.log' }],
    [{ type: 'file', path: 'C:/Logs/app.log' }],
    [{ type: 'file', path: 'C:\\Logs\\app.log' }],
    [{ type: 'journald' }],
    [{ type: 'journald', unit: 'getty@tty1.service', priority: 0 }],
    [{ type: 'journald', priority: 7 }],
    [{ type: 'eventlog', log: 'Microsoft-Windows-Sysmon/Operational', level: 5 }],
  ] as const)('accepts %j', (source) => {
    expect(logSourceProblem(source)).toBeNull();
  });

  it.each([
    [{ type: 'file', path: '' }, 'path', /required/],
    [{ type: 'file', path: 'relative.log' }, 'path', /must be absolute/],
    [{ type: 'file', path: '../etc/shadow' }, 'path', /must be absolute/],
    [{ type: 'file', path: `/${'a'.repeat(1024)}` }, 'path', /at most 1024/],
    [{ type: 'journald', unit: '' }, 'unit', /1 to 256/],
    [{ type: 'journald', unit: 'nginx; reboot' }, 'unit', /systemd unit name/],
    [{ type: 'journald', unit: 'a=b' }, 'unit', /systemd unit name/],
    [{ type: 'journald', priority: 8 }, 'priority', /0 \(emerg\) to 7/],
    [{ type: 'journald', priority: 1.5 }, 'priority', /0 \(emerg\) to 7/],
    [{ type: 'eventlog', log: '' }, 'log', /1 to 256/],
    [{ type: 'eventlog', log: "System' or 1=1" }, 'log', /event log name/],
    [{ type: 'eventlog', log: 'System', level: 0 }, 'level', /1 \(critical\) to 5/],
  ] as const)('refuses %j in %s', (source, field, reason) => {
    const problem = logSourceProblem(source);
    expect(problem?.field).toBe(field);
    expect(problem?.reason).toMatch(reason);
  });

  it('checks patterns as the matchers will compile them', () => {
    expect(logPatternProblem({ mode: 'substring', pattern: '(' })).toBeNull();
    expect(logPatternProblem({ mode: 'regex', pattern: 'a(b|c)+' })).toBeNull();
    expect(logPatternProblem({ mode: 'regex', pattern: '(' })).toMatch(
      /^is not a regular expression: /,
    );
    expect(logPatternProblem({ mode: 'substring', pattern: '' })).toBe('is required');
    expect(logPatternProblem({ mode: 'substring', pattern: 'x'.repeat(1025) })).toMatch(
      /at most 1024/,
    );
  });

  it('orders the time window', () => {
    expect(logWindowProblem(2, 1)).toBe('must not be before since');
    expect(logWindowProblem(1, 1)).toBeNull();
    expect(logWindowProblem(undefined, 1)).toBeNull();
  });
});
