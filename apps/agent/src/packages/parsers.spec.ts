import { parseApkInfo, parseApkVersion } from './apk';
import { parseAptUpgradable, parseDpkgQuery } from './apt';
import { parseBrewList, parseBrewOutdated } from './brew';
import { parseChocoList, parseChocoOutdated } from './choco';
import { createAdapter } from './adapters';
import { parseCheckUpdate, parseSecurityAdvisories } from './dnf';
import { parsePacmanQuery, parsePacmanUpdates } from './pacman';
import { parseRpmQuery } from './rpm';
import { fixture } from './test-support/fake-spawner';
import { parseWingetList, parseWingetTable, parseWingetUpgrades } from './winget';
import { parseZypperUpdates } from './zypper';

// Each listing parsed from a saved output (fixtures/; each file says where it came from).

describe('apt', () => {
  it('reads every installed package from dpkg-query (real Debian 12 output)', () => {
    const text = fixture('dpkg-query-installed.txt');
    const packages = parseDpkgQuery(text);
    expect(packages).toHaveLength(text.split('\n').filter((l) => l.includes('\tii')).length);
    expect(packages.length).toBeGreaterThan(700);
    expect(packages).toContainEqual({ name: 'bash', version: '5.2.15-2+b8' });
    expect(packages.every((p) => p.name && p.version)).toBe(true);
  });

  it('leaves out removed packages whose configuration remains', () => {
    expect(parseDpkgQuery('hello\t2.10-3\trc \nsl\t5.02-1+b1\tii \n')).toEqual([
      { name: 'sl', version: '5.02-1+b1' },
    ]);
  });

  it('reads apt list --upgradable and flags the -security pocket (real Debian 12 output)', () => {
    const updates = parseAptUpgradable(fixture('apt-list-upgradable.txt'));
    expect(updates).toHaveLength(129);
    expect(updates).toContainEqual({
      name: 'apt',
      current: '2.6.1',
      available: '2.6.2',
      security: true,
      kind: 'package',
    });
    expect(updates).toContainEqual({
      name: 'bash',
      current: '5.2.15-2+b8',
      available: '5.2.15-2+b13',
      security: false,
      kind: 'package',
    });
    // "oldstable,oldstable-security": one of its suites is the security pocket.
    expect(updates.find((u) => u.name === 'krb5-locales')?.security).toBe(true);
    expect(updates.filter((u) => u.security).length).toBe(
      fixture('apt-list-upgradable.txt')
        .split('\n')
        .filter((l) => /-security[ ,]/.test(l)).length,
    );
  });

  it('takes a package version from dpkg-query, also for name:arch', () => {
    const apt = createAdapter('apt');
    expect(apt.parseInstalledVersion('libc6\t2.36-9+deb12u14\tii \n', 'libc6:amd64')).toBe(
      '2.36-9+deb12u14',
    );
    expect(apt.parseInstalledVersion('hello\t2.10-3\trc \n', 'hello')).toBeNull();
  });
});

describe('dnf and yum', () => {
  it('reads check-update with wrapped names, obsoletes left out, security from updateinfo', () => {
    const security = parseSecurityAdvisories(fixture('dnf-updateinfo-security.txt'));
    expect([...security].sort()).toEqual(['curl', 'kernel', 'libcurl', 'openssl', 'openssl-libs']);
    const updates = parseCheckUpdate(fixture('dnf-check-update.txt'), security);
    expect(updates.map((u) => [u.name, u.available, u.security])).toEqual([
      ['curl', '7.76.1-26.el9_3.3', true],
      ['kernel', '5.14.0-362.18.1.el9_3', true],
      ['libcurl', '7.76.1-26.el9_3.3', true],
      ['openssl', '1:3.0.7-25.el9_3', true],
      ['openssl-libs', '1:3.0.7-25.el9_3', true],
      ['python3-setuptools-wheel', '53.0.0-12.el9_3.1', false],
      ['NetworkManager-cloud-setup-gnome-long-name', '1:1.44.0-4.el9_3', false],
      ['vim-minimal', '2:8.2.2637-20.el9_1', false],
    ]);
  });

  it('reads yum 3 check-update and updateinfo, epochs in NEVRAs included', () => {
    const security = parseSecurityAdvisories(fixture('yum-updateinfo-security.txt'));
    expect([...security].sort()).toEqual(['bind-export-libs', 'kernel', 'openssh']);
    const updates = parseCheckUpdate(fixture('yum-check-update.txt'), security);
    expect(updates.map((u) => [u.name, u.security])).toEqual([
      ['bind-export-libs', true],
      ['kernel', true],
      ['openssh', true],
      ['tzdata', false],
    ]);
  });

  it('reads dnf 5 advisory tables', () => {
    const out =
      'Name                      Type        Severity Package                         Issued\n' +
      'FEDORA-2024-1a2b3c4d5e    security    Moderate curl-8.6.0-7.fc40.x86_64        2024-03-01 00:00:00\n' +
      'FEDORA-2024-9f8e7d6c5b    bugfix      None     vim-minimal-2:9.1.113-1.fc40.x86_64 2024-03-02 00:00:00\n';
    expect([...parseSecurityAdvisories(out)]).toEqual(['curl']);
  });

  it('reads rpm -qa with epochs and without signing keys', () => {
    const packages = parseRpmQuery(fixture('rpm-qa.txt'));
    expect(packages).toContainEqual({ name: 'openssl', version: '1:3.0.7-24.el9' });
    expect(packages).toContainEqual({ name: 'bash', version: '5.1.8-6.el9_1' });
    expect(packages.some((p) => p.name === 'gpg-pubkey')).toBe(false);
    // Two kernels installed side by side are two entries.
    expect(packages.filter((p) => p.name === 'kernel')).toHaveLength(2);
    expect(packages).toHaveLength(8);
  });
});

describe('zypper', () => {
  it('reads list-updates and security patches from --xmlout', () => {
    const updates = parseZypperUpdates(
      fixture('zypper-list-updates.xml'),
      fixture('zypper-list-patches-security.xml'),
    );
    expect(updates).toEqual([
      {
        name: 'curl',
        current: '8.0.1-150400.5.36.1',
        available: '8.0.1-150400.5.41.1',
        security: null,
        kind: 'package',
      },
      {
        name: 'libzypp',
        current: '17.31.20-150400.3.43.1',
        available: '17.31.27-150400.3.52.1',
        security: null,
        kind: 'package',
      },
      {
        name: 'MozillaFirefox',
        current: '115.6.0-150200.152.120.1',
        available: '115.7.0-150200.152.123.1',
        security: null,
        kind: 'package',
      },
      {
        name: 'openSUSE-SLE-15.5-2024-202',
        current: null,
        available: '1',
        security: true,
        kind: 'patch',
      },
      {
        name: 'openSUSE-SLE-15.5-2024-255',
        current: null,
        available: '1',
        security: true,
        kind: 'patch',
      },
    ]);
  });

  it('reads empty lists', () => {
    expect(
      parseZypperUpdates('<stream><update-status><update-list/></update-status></stream>', ''),
    ).toEqual([]);
  });
});

describe('apk', () => {
  it('reads apk info -v', () => {
    const packages = parseApkInfo(fixture('apk-info-v.txt'));
    expect(packages).toHaveLength(14);
    expect(packages).toContainEqual({ name: 'musl', version: '1.2.4_git20230717-r4' });
    expect(packages).toContainEqual({ name: 'ca-certificates-bundle', version: '20230506-r0' });
  });

  it("reads apk version -l '<'", () => {
    expect(parseApkVersion(fixture('apk-version-l.txt'))).toEqual([
      {
        name: 'busybox',
        current: '1.36.1-r15',
        available: '1.36.1-r19',
        security: null,
        kind: 'package',
      },
      {
        name: 'busybox-binsh',
        current: '1.36.1-r15',
        available: '1.36.1-r19',
        security: null,
        kind: 'package',
      },
      {
        name: 'libcrypto3',
        current: '3.1.4-r2',
        available: '3.1.4-r5',
        security: null,
        kind: 'package',
      },
      {
        name: 'ssl_client',
        current: '1.36.1-r15',
        available: '1.36.1-r19',
        security: null,
        kind: 'package',
      },
    ]);
  });
});

describe('pacman', () => {
  it('reads pacman -Q', () => {
    const packages = parsePacmanQuery(fixture('pacman-Q.txt'));
    expect(packages).toHaveLength(9);
    expect(packages).toContainEqual({ name: 'gtk3', version: '1:3.24.41-1' });
  });

  it('reads pacman -Qu, leaving out ignored packages', () => {
    expect(parsePacmanUpdates(fixture('pacman-Qu.txt'))).toEqual([
      {
        name: 'archlinux-keyring',
        current: '20231222-1',
        available: '20240123-1',
        security: null,
        kind: 'package',
      },
      { name: 'glibc', current: '2.38-7', available: '2.39-1', security: null, kind: 'package' },
      {
        name: 'linux',
        current: '6.7.1.arch1-1',
        available: '6.7.2.arch1-1',
        security: null,
        kind: 'package',
      },
    ]);
  });
});

describe('brew', () => {
  it('reads brew list --versions, taking the newest of several', () => {
    const packages = parseBrewList(fixture('brew-list-versions.txt'));
    expect(packages).toContainEqual({ name: 'node@20', version: '20.11.0' });
    expect(packages).toContainEqual({ name: 'wget', version: '1.24.5' });
    expect(packages).toHaveLength(7);
  });

  it('reads brew outdated --json=v2, formulae and casks, without pinned ones', () => {
    expect(parseBrewOutdated(fixture('brew-outdated-v2.txt'))).toEqual([
      { name: 'git', current: '2.43.0', available: '2.44.0', security: null, kind: 'package' },
      {
        name: 'openssl@3',
        current: '3.2.0_1',
        available: '3.2.1',
        security: null,
        kind: 'package',
      },
      { name: 'firefox', current: '121.0.1', available: '122.0', security: null, kind: 'package' },
      {
        name: 'visual-studio-code',
        current: '1.85.1',
        available: '1.85.2',
        security: null,
        kind: 'package',
      },
    ]);
  });

  it('reads nothing out of output that is not JSON', () => {
    expect(parseBrewOutdated('Error: something')).toEqual([]);
  });
});

describe('winget', () => {
  it('reads winget list by column position, through a spinner, wide characters and "…"', () => {
    const rows = parseWingetTable(fixture('winget-list.txt'));
    expect(rows).toHaveLength(9);
    expect(rows[0]).toEqual({
      name: '7-Zip 23.01 (x64)',
      id: '7zip.7zip',
      version: '23.01',
      available: '',
      source: 'winget',
    });
    // Two-cell characters: the columns after the name still line up.
    expect(rows.find((r) => r.name === '微信')).toEqual({
      name: '微信',
      id: 'Tencent.WeChat',
      version: '3.9.8.25',
      available: '3.9.9.43',
      source: 'winget',
    });
    // A truncated cell is kept as shown, ellipsis and all.
    expect(rows.find((r) => r.id.startsWith('MSIX\\'))?.id).toBe(
      'MSIX\\Microsoft.WindowsTerminal_1.18.3181.…',
    );
    expect(rows.find((r) => r.id === 'Microsoft.VCRedist.2015+.x64')?.name).toMatch(/…$/);
    expect(rows.find((r) => r.id.startsWith('ARP\\'))?.version).toBe('< 5.17.5');
    expect(parseWingetList(fixture('winget-list.txt'))).toContainEqual({
      name: 'Microsoft.VisualStudioCode',
      version: '1.85.1',
    });
  });

  it('reads winget upgrade and stops at its footer', () => {
    expect(parseWingetUpgrades(fixture('winget-upgrade.txt'))).toEqual([
      {
        name: 'Microsoft.VisualStudioCode',
        current: '1.85.1',
        available: '1.85.2',
        security: null,
        kind: 'package',
      },
      {
        name: 'Tencent.WeChat',
        current: '3.9.8.25',
        available: '3.9.9.43',
        security: null,
        kind: 'package',
      },
      {
        name: 'Mozilla.Firefox.fr',
        current: '121.0.1',
        available: '122.0',
        security: null,
        kind: 'package',
      },
      {
        name: 'Notepad++.Notepad++',
        current: '8.6',
        available: '8.6.2',
        security: null,
        kind: 'package',
      },
    ]);
  });

  it('reads "No installed package found" as no rows', () => {
    expect(parseWingetTable('No installed package found matching input criteria.\r\n')).toEqual([]);
  });

  it('finds one package by id, ignoring case', () => {
    const winget = createAdapter('winget');
    expect(winget.parseInstalledVersion(fixture('winget-list.txt'), 'tencent.wechat')).toBe(
      '3.9.8.25',
    );
  });
});

describe('choco', () => {
  it('reads choco list -lo -r', () => {
    const packages = parseChocoList(fixture('choco-list-lo-r.txt'));
    expect(packages).toHaveLength(7);
    expect(packages).toContainEqual({ name: 'googlechrome', version: '120.0.6099.217' });
  });

  it('reads choco outdated -r without pinned packages', () => {
    expect(parseChocoOutdated(fixture('choco-outdated-r.txt'))).toEqual([
      {
        name: 'googlechrome',
        current: '120.0.6099.217',
        available: '121.0.6167.85',
        security: null,
        kind: 'package',
      },
      { name: 'vscode', current: '1.85.1', available: '1.85.2', security: null, kind: 'package' },
      {
        name: 'vscode.install',
        current: '1.85.1',
        available: '1.85.2',
        security: null,
        kind: 'package',
      },
    ]);
  });
});

describe('detect', () => {
  it.each([
    ['apt', 'apt 2.6.1 (amd64)\nSupported modules:\n', '2.6.1'],
    ['dnf', '4.14.0\n  Installed: dnf-0:4.14.0-5.el9_2.noarch at …\n', '4.14.0'],
    ['dnf', 'dnf5 version 5.1.15\ndnf5 plugin API version 2.0\n', '5.1.15'],
    ['yum', '3.4.3\n  Installed: rpm-4.11.3-48.el7_9.x86_64 at 2023-01-01\n', '3.4.3'],
    ['zypper', 'zypper 1.14.68\n', '1.14.68'],
    ['apk', 'apk-tools 2.14.0, compiled for x86_64.\n', '2.14.0'],
    ['pacman', '\n .--.                  Pacman v6.0.2 - libalpm v13.0.2\n', '6.0.2'],
    ['brew', 'Homebrew 4.2.5\n', '4.2.5'],
    ['winget', 'v1.7.10861\r\n', '1.7.10861'],
    ['choco', '2.2.2\r\n', '2.2.2'],
  ] as const)('reads the %s version', (manager, out, version) => {
    expect(createAdapter(manager).parseDetect(out)).toBe(version);
  });
});
