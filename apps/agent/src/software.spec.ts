import {
  collectSoftware,
  normalizeSoftware,
  parseApk,
  parseBrew,
  parseChoco,
  parseDpkg,
  parseFlatpak,
  parsePacman,
  parseRpm,
  parseSnap,
  parseWinget,
  type Runner,
} from './software';
import { recordingLogger } from './test-support/recording-logger';

describe('package list parsers', () => {
  it('dpkg: keeps installed packages only', () => {
    const out = 'adduser\t3.134\tii \nlibfoo1:amd64\t1.2-3\trc \nopenssl\t3.0.13-0ubuntu3.4\tii \n';
    expect(parseDpkg(out)).toEqual([
      { name: 'adduser', version: '3.134', source: 'dpkg' },
      { name: 'openssl', version: '3.0.13-0ubuntu3.4', source: 'dpkg' },
    ]);
  });

  it('rpm: skips gpg-pubkey entries', () => {
    const out = 'bash\t5.1.8-9.el9\ngpg-pubkey\t8483c65d-5ccc5b19\nkernel-core\t5.14.0-427.el9\n';
    expect(parseRpm(out).map((p) => `${p.name}=${p.version}`)).toEqual([
      'bash=5.1.8-9.el9',
      'kernel-core=5.14.0-427.el9',
    ]);
  });

  it('apk: splits name and version from `info -v` and `list --installed`', () => {
    const out =
      'musl-1.2.4_git20230717-r4\nlibcrypto3-3.1.4-r5\n' +
      'alpine-baselayout-data-3.4.3-r2 x86_64 {alpine-baselayout} (GPL-2.0-only) [installed]\nWARNING: x\n';
    expect(parseApk(out)).toEqual([
      { name: 'musl', version: '1.2.4_git20230717-r4', source: 'apk' },
      { name: 'libcrypto3', version: '3.1.4-r5', source: 'apk' },
      { name: 'alpine-baselayout-data', version: '3.4.3-r2', source: 'apk' },
    ]);
  });

  it('pacman, brew, choco, snap, flatpak', () => {
    expect(parsePacman('linux 6.6.1.arch1-1\nzstd 1.5.5-1\n')).toEqual([
      { name: 'linux', version: '6.6.1.arch1-1', source: 'pacman' },
      { name: 'zstd', version: '1.5.5-1', source: 'pacman' },
    ]);
    expect(parseBrew('git 2.42.0 2.43.0\nwget 1.21.4\n')).toEqual([
      { name: 'git', version: '2.43.0', source: 'brew' },
      { name: 'wget', version: '1.21.4', source: 'brew' },
    ]);
    expect(parseChoco('Chocolatey v2.2.2\nchocolatey|2.2.2\n7zip|23.1.0\n')).toEqual([
      { name: 'chocolatey', version: '2.2.2', source: 'choco' },
      { name: '7zip', version: '23.1.0', source: 'choco' },
    ]);
    expect(
      parseSnap(
        'Name    Version   Rev    Tracking       Publisher   Notes\ncore22  20240111  1122   latest/stable  canonical✓  base\n',
      ),
    ).toEqual([{ name: 'core22', version: '20240111', source: 'snap' }]);
    expect(parseFlatpak('org.mozilla.firefox\t121.0\norg.gimp.GIMP\t\n')).toEqual([
      { name: 'org.mozilla.firefox', version: '121.0', source: 'flatpak' },
      { name: 'org.gimp.GIMP', version: '', source: 'flatpak' },
    ]);
  });

  it('winget: reads the fixed-width table after the spinner, by column position', () => {
    const out = [
      '   - \r   \\ \r   | \r',
      'Name                          Id                            Version        Available Source',
      '------------------------------------------------------------------------------------------',
      'Microsoft Edge                Microsoft.Edge                131.0.2903.70            winget',
      '7-Zip 23.01 (x64)             7zip.7zip                     23.01          24.08     winget',
      'Vendor Tool                   ARP\\Machine\\X64\\{1234-ABCD}   1.2.3',
      '',
    ].join('\r\n');
    expect(parseWinget(out)).toEqual([
      { name: 'Microsoft Edge', version: '131.0.2903.70', source: 'winget' },
      { name: '7-Zip 23.01 (x64)', version: '23.01', source: 'winget' },
      { name: 'Vendor Tool', version: '1.2.3', source: 'winget' },
    ]);
    expect(parseWinget('No installed package found matching input criteria.')).toEqual([]);
  });

  it('truncates over-long names and versions to the protocol limits', () => {
    const [p] = parsePacman(`${'n'.repeat(600)} ${'v'.repeat(300)}\n`);
    expect(p?.name).toHaveLength(512);
    expect(p?.version).toHaveLength(256);
  });
});

describe('collectSoftware', () => {
  it('keeps what works when one package manager fails and is silent about missing ones', async () => {
    const run: Runner = (command) => {
      if (command === 'dpkg-query')
        return Promise.resolve('zlib1g\t1:1.2.13\tii \nbash\t5.2\tii \n');
      if (command === 'rpm')
        return Promise.reject(Object.assign(new Error('rpmdb broken'), { code: 1 }));
      return Promise.reject(Object.assign(new Error('spawn ENOENT'), { code: 'ENOENT' }));
    };
    const log = recordingLogger();
    const software = await collectSoftware('linux', log, run);

    expect(software.map((p) => p.name)).toEqual(['bash', 'zlib1g']);
    expect(log.lines.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(log.has('warn', /rpm package list failed: rpmdb broken/)).toBe(true);
  });

  it('asks Chocolatey 1.x for local packages explicitly', async () => {
    const calls: string[] = [];
    const run: Runner = (command, args) => {
      calls.push([command, ...args].join(' '));
      if (command === 'choco' && args[0] === '--version') return Promise.resolve('1.4.0\r\n');
      if (command === 'choco') return Promise.resolve('git|2.43.0\r\n');
      return Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }));
    };
    expect(await collectSoftware('win32', recordingLogger(), run)).toEqual([
      { name: 'git', version: '2.43.0', source: 'choco' },
    ]);
    expect(calls).toContain('choco list --local-only --limit-output');
  });

  it('deduplicates and sorts', () => {
    const p = (name: string) => ({ name, version: '1', source: 'dpkg' as const });
    expect(normalizeSoftware([p('b'), p('a'), p('b')]).map((x) => x.name)).toEqual(['a', 'b']);
  });
});
