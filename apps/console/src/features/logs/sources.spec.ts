import { describe, expect, it } from '@jest/globals';
import {
  emptySource,
  maxMbProblem,
  sourceProblems,
  toSourceRequest,
  windowProblems,
} from './sources';

describe('log source drafts', () => {
  it('builds requests with only the fields given', () => {
    expect(toSourceRequest({ ...emptySource('file'), path: ' /var/log/syslog ' })).toEqual({
      type: 'file',
      path: '/var/log/syslog',
    });
    expect(toSourceRequest(emptySource('journald'))).toEqual({ type: 'journald' });
    expect(
      toSourceRequest({ ...emptySource('journald'), unit: 'nginx.service', priority: '3' }),
    ).toEqual({
      type: 'journald',
      unit: 'nginx.service',
      priority: 3,
    });
    expect(toSourceRequest({ ...emptySource('eventlog'), level: '2' })).toEqual({
      type: 'eventlog',
      log: 'System',
      level: 2,
    });
  });

  it('applies the rules the server applies, field by field', () => {
    const [rel, unit, ok, log] = sourceProblems([
      { ...emptySource('file'), path: 'relative.log' },
      { ...emptySource('journald'), unit: 'nginx; rm -rf /' },
      { ...emptySource('file'), path: 'C:/Logs/app.log' },
      { ...emptySource('eventlog'), log: 'System"]' },
    ]);
    expect(rel!.path).toMatch(/^The path must be absolute/);
    expect(unit!.unit).toMatch(/systemd unit name/);
    expect(ok).toEqual({});
    expect(log!.log).toMatch(/event log name/);
    expect(sourceProblems([emptySource('file')])[0]!.path).toBe('The path is required');
  });

  it('refuses a window that ends before it starts, and byte caps out of range', () => {
    expect(windowProblems({ since: '2026-11-20T10:00', until: '2026-11-20T09:00' }).until).toBe(
      'Until must not be before since',
    );
    expect(windowProblems({ since: '2026-11-20T10:00', until: '' })).toEqual({});
    expect(maxMbProblem(10)).toBeUndefined();
    expect(maxMbProblem(2048)).toMatch(/Up to 1024 MB/);
    expect(maxMbProblem(0)).toBeDefined();
  });
});
