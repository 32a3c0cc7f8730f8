import { DEFAULT_LOG_ALLOW_GLOBS } from './log-collections';
import { browseRoots, childPath, pathCrumbs, pathSeparatorOf } from './device-files';

describe('file browser paths', () => {
  it('starts browsing at each folder an allow glob opens whole', () => {
    expect(browseRoots(DEFAULT_LOG_ALLOW_GLOBS)).toEqual([
      '/Library/Logs',
      '/var/log',
      'C:/Windows/Logs',
    ]);
    expect(
      browseRoots(['/**', 'C:/**', '/etc/app.conf', '**/*.log', '/srv/{a,b}/**', '/opt/app/**']),
    ).toEqual(['/', '/opt/app', 'C:/']);
    expect(browseRoots([])).toEqual([]);
  });

  it('breaks a path into breadcrumbs, POSIX and Windows', () => {
    expect(pathCrumbs('/var/log/nginx')).toEqual([
      { name: '/', path: '/' },
      { name: 'var', path: '/var' },
      { name: 'log', path: '/var/log' },
      { name: 'nginx', path: '/var/log/nginx' },
    ]);
    expect(pathCrumbs('/')).toEqual([{ name: '/', path: '/' }]);
    expect(pathCrumbs('C:\\ProgramData\\App')).toEqual([
      { name: 'C:', path: 'C:\\' },
      { name: 'ProgramData', path: 'C:\\ProgramData' },
      { name: 'App', path: 'C:\\ProgramData\\App' },
    ]);
  });

  it('joins a child with the device separator', () => {
    expect(pathSeparatorOf('C:\\ProgramData')).toBe('\\');
    expect(pathSeparatorOf('/var/log')).toBe('/');
    expect(childPath('/var/log', 'syslog', '/')).toBe('/var/log/syslog');
    expect(childPath('/', 'etc', '/')).toBe('/etc');
    expect(childPath('C:\\', 'Logs', '\\')).toBe('C:\\Logs');
    expect(childPath('C:\\ProgramData', 'App', '\\')).toBe('C:\\ProgramData\\App');
  });
});
