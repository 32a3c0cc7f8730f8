import { PACKAGE_MANAGERS, type PackageManager } from '@fleetdesk/api-types';
import { ADAPTERS, createAdapter, managersFor } from './adapters';
import { isRefusal, type AvailableUpdate, type Build, type PackageAdapter } from './types';
import { WINGET_CODES } from './winget';

// The exact program and arguments each operation runs, per manager. A change here changes
// what runs as root on every device, so each array is spelled out in full.

const ctx = { lockWaitSeconds: 120 };

/** [file, ...args] of a build, or the refusal. */
function argv(build: Build | 'nothing-to-do'): string[] | string {
  if (build === 'nothing-to-do') return build;
  if (isRefusal(build)) return `refused: ${build.refused}`;
  return [build.file, ...build.args];
}

const APT_OPTS = [
  '-y',
  '-q',
  '-o',
  'DPkg::Lock::Timeout=120',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
];
const DPKG_FMT = '${Package}\\t${Version}\\t${db:Status-Abbrev}\\n';
const RPM_FMT = '%{NAME}\\t%{EPOCH}\\t%{VERSION}-%{RELEASE}\\n';
const ZY = ['zypper', '--non-interactive', '--no-color'];
const APK = ['apk', '--no-progress', '--wait', '120'];
const WG_CHANGE = [
  '--silent',
  '--accept-package-agreements',
  '--accept-source-agreements',
  '--disable-interactivity',
];
const WG_COMMON = ['--accept-source-agreements', '--disable-interactivity'];

interface Expected {
  manager: PackageManager;
  managerVersion?: string;
  name: string;
  version?: string;
  detect: string[];
  refresh: string[] | null;
  install: string[];
  installVersion: string[] | string;
  uninstall: string[];
  uninstallVersion: string[] | string;
  upgrade: string[];
  upgradeVersion: string[] | string;
  listInstalled: string[];
  listUpdates: string[][];
  applyAll: string[];
  applySecurity: string[] | string;
  installedVersion: string[];
}

const EXPECTED: Expected[] = [
  {
    manager: 'apt',
    name: 'p7zip-full',
    version: '16.02+dfsg-8',
    detect: ['apt-get', '--version'],
    refresh: ['apt-get', '-q', '-o', 'DPkg::Lock::Timeout=120', 'update'],
    install: ['apt-get', ...APT_OPTS, 'install', '--', 'p7zip-full'],
    installVersion: [
      'apt-get',
      ...APT_OPTS,
      'install',
      '--allow-downgrades',
      '--',
      'p7zip-full=16.02+dfsg-8',
    ],
    uninstall: ['apt-get', ...APT_OPTS, 'remove', '--', 'p7zip-full'],
    uninstallVersion: 'refused: apt removes the installed version; a version cannot be chosen',
    upgrade: ['apt-get', ...APT_OPTS, 'install', '--only-upgrade', '--', 'p7zip-full'],
    // No --allow-downgrades: apt-get -y refuses an older version itself, too.
    upgradeVersion: [
      'apt-get',
      ...APT_OPTS,
      'install',
      '--only-upgrade',
      '--',
      'p7zip-full=16.02+dfsg-8',
    ],
    listInstalled: ['dpkg-query', '-W', '-f', DPKG_FMT],
    listUpdates: [['apt', 'list', '--upgradable']],
    applyAll: ['apt-get', ...APT_OPTS, '--with-new-pkgs', 'upgrade'],
    // Only the updates listed from the security pocket.
    applySecurity: [
      'apt-get',
      ...APT_OPTS,
      'install',
      '--only-upgrade',
      '--',
      'openssl',
      'libssl3',
    ],
    installedVersion: ['dpkg-query', '-W', '-f', DPKG_FMT, '--', 'p7zip-full'],
  },
  {
    manager: 'dnf',
    managerVersion: '4.14.0',
    name: 'python3.11',
    version: '3.11.5-1.el9_3',
    detect: ['dnf', '--version'],
    refresh: ['dnf', '-y', 'makecache'],
    install: ['dnf', '-y', 'install', '--', 'python3.11'],
    installVersion: ['dnf', '-y', 'install', '--', 'python3.11-3.11.5-1.el9_3'],
    uninstall: ['dnf', '-y', 'remove', '--', 'python3.11'],
    uninstallVersion: 'refused: dnf removes the installed version; a version cannot be chosen',
    upgrade: ['dnf', '-y', 'upgrade', '--', 'python3.11'],
    upgradeVersion: ['dnf', '-y', 'upgrade', '--', 'python3.11-3.11.5-1.el9_3'],
    listInstalled: ['rpm', '-qa', '--queryformat', RPM_FMT],
    listUpdates: [
      ['dnf', '-y', 'check-update'],
      ['dnf', '-y', 'updateinfo', 'list', '--security'],
    ],
    applyAll: ['dnf', '-y', 'upgrade'],
    applySecurity: ['dnf', '-y', 'upgrade', '--security'],
    installedVersion: ['rpm', '-q', '--queryformat', RPM_FMT, '--', 'python3.11'],
  },
  {
    manager: 'yum',
    managerVersion: '3.4.3',
    name: 'httpd',
    version: '2.4.6-99.el7.centos.1',
    detect: ['yum', '--version'],
    refresh: ['yum', '-y', '--setopt=exit_on_lock=True', 'makecache'],
    install: ['yum', '-y', '--setopt=exit_on_lock=True', 'install', '--', 'httpd'],
    installVersion: [
      'yum',
      '-y',
      '--setopt=exit_on_lock=True',
      'install',
      '--',
      'httpd-2.4.6-99.el7.centos.1',
    ],
    uninstall: ['yum', '-y', '--setopt=exit_on_lock=True', 'remove', '--', 'httpd'],
    uninstallVersion: 'refused: yum removes the installed version; a version cannot be chosen',
    upgrade: ['yum', '-y', '--setopt=exit_on_lock=True', 'update', '--', 'httpd'],
    upgradeVersion: [
      'yum',
      '-y',
      '--setopt=exit_on_lock=True',
      'update',
      '--',
      'httpd-2.4.6-99.el7.centos.1',
    ],
    listInstalled: ['rpm', '-qa', '--queryformat', RPM_FMT],
    listUpdates: [
      ['yum', '-y', '--setopt=exit_on_lock=True', 'check-update'],
      ['yum', '-y', '--setopt=exit_on_lock=True', 'updateinfo', 'list', 'security'],
    ],
    applyAll: ['yum', '-y', '--setopt=exit_on_lock=True', 'update'],
    applySecurity: ['yum', '-y', '--setopt=exit_on_lock=True', 'update', '--security'],
    installedVersion: ['rpm', '-q', '--queryformat', RPM_FMT, '--', 'httpd'],
  },
  {
    manager: 'zypper',
    name: 'MozillaFirefox',
    version: '115.7.0-150200.152.123.1',
    detect: ['zypper', '--version'],
    refresh: [...ZY, 'refresh'],
    install: [...ZY, 'install', '--auto-agree-with-licenses', '--', 'MozillaFirefox'],
    installVersion: [
      ...ZY,
      'install',
      '--auto-agree-with-licenses',
      '--',
      'MozillaFirefox=115.7.0-150200.152.123.1',
    ],
    uninstall: [...ZY, 'remove', '--', 'MozillaFirefox'],
    uninstallVersion: 'refused: zypper removes the installed version; a version cannot be chosen',
    upgrade: [...ZY, 'update', '--auto-agree-with-licenses', '--', 'MozillaFirefox'],
    // `update` takes names only; `install name=version` moves an installed package to it.
    upgradeVersion: [
      ...ZY,
      'install',
      '--auto-agree-with-licenses',
      '--',
      'MozillaFirefox=115.7.0-150200.152.123.1',
    ],
    listInstalled: ['rpm', '-qa', '--queryformat', RPM_FMT],
    listUpdates: [
      [...ZY, '--xmlout', 'list-updates'],
      [...ZY, '--xmlout', 'list-patches', '--category', 'security'],
    ],
    applyAll: [...ZY, 'update', '--auto-agree-with-licenses'],
    applySecurity: [...ZY, 'patch', '--auto-agree-with-licenses', '--category', 'security'],
    installedVersion: ['rpm', '-q', '--queryformat', RPM_FMT, '--', 'MozillaFirefox'],
  },
  {
    manager: 'apk',
    name: 'py3-pip',
    version: '23.3.1-r0',
    detect: ['apk', '--version'],
    refresh: [...APK, 'update'],
    install: [...APK, 'add', '--', 'py3-pip'],
    installVersion: [...APK, 'add', '--', 'py3-pip=23.3.1-r0'],
    uninstall: [...APK, 'del', '--', 'py3-pip'],
    uninstallVersion: 'refused: apk removes the installed version; a version cannot be chosen',
    upgrade: [...APK, 'add', '--upgrade', '--', 'py3-pip'],
    upgradeVersion: [...APK, 'add', '--', 'py3-pip=23.3.1-r0'],
    listInstalled: ['apk', 'info', '-v'],
    listUpdates: [['apk', 'version', '-l', '<']],
    applyAll: [...APK, 'upgrade'],
    applySecurity: 'refused: applying security updates only is not supported by apk',
    installedVersion: ['apk', 'info', '-v'],
  },
  {
    manager: 'pacman',
    name: 'lib32-glibc',
    detect: ['pacman', '--version'],
    refresh: null,
    install: ['pacman', '-S', '--needed', '--noconfirm', '--', 'lib32-glibc'],
    installVersion:
      'refused: pacman installs the version its repositories hold; a version cannot be chosen',
    uninstall: ['pacman', '-R', '--noconfirm', '--', 'lib32-glibc'],
    uninstallVersion: 'refused: pacman removes the installed version; a version cannot be chosen',
    upgrade: ['pacman', '-S', '--needed', '--noconfirm', '--', 'lib32-glibc'],
    upgradeVersion:
      'refused: pacman upgrades to the version its repositories hold; a version cannot be chosen',
    listInstalled: ['pacman', '-Q'],
    listUpdates: [['pacman', '-Qu']],
    applyAll: ['pacman', '-Syu', '--noconfirm'],
    applySecurity: 'refused: applying security updates only is not supported by pacman',
    installedVersion: ['pacman', '-Q', '--', 'lib32-glibc'],
  },
  {
    manager: 'brew',
    name: 'node@20',
    detect: ['brew', '--version'],
    refresh: ['brew', 'update', '--quiet'],
    install: ['brew', 'install', '--', 'node@20'],
    installVersion:
      'refused: brew installs one version per formula; choose a versioned formula such as node@20',
    uninstall: ['brew', 'uninstall', '--', 'node@20'],
    uninstallVersion:
      'refused: brew uninstalls a formula, not one version of it; a version cannot be chosen',
    upgrade: ['brew', 'upgrade', '--', 'node@20'],
    upgradeVersion:
      'refused: brew upgrades a formula to its current version; choose a versioned formula such as node@20',
    listInstalled: ['brew', 'list', '--versions'],
    listUpdates: [['brew', 'outdated', '--json=v2']],
    applyAll: ['brew', 'upgrade'],
    applySecurity: 'refused: applying security updates only is not supported by brew',
    installedVersion: ['brew', 'list', '--versions', '--', 'node@20'],
  },
  {
    manager: 'winget',
    name: '7zip.7zip',
    version: '23.01',
    detect: ['winget', '--version'],
    refresh: ['winget', 'source', 'update', '--disable-interactivity'],
    install: ['winget', 'install', '--exact', '--id', '7zip.7zip', ...WG_CHANGE],
    installVersion: [
      'winget',
      'install',
      '--exact',
      '--id',
      '7zip.7zip',
      '--version',
      '23.01',
      ...WG_CHANGE,
    ],
    uninstall: ['winget', 'uninstall', '--exact', '--id', '7zip.7zip', '--silent', ...WG_COMMON],
    uninstallVersion: [
      'winget',
      'uninstall',
      '--exact',
      '--id',
      '7zip.7zip',
      '--version',
      '23.01',
      '--silent',
      ...WG_COMMON,
    ],
    upgrade: ['winget', 'upgrade', '--exact', '--id', '7zip.7zip', ...WG_CHANGE],
    upgradeVersion: [
      'winget',
      'upgrade',
      '--exact',
      '--id',
      '7zip.7zip',
      '--version',
      '23.01',
      ...WG_CHANGE,
    ],
    listInstalled: ['winget', 'list', ...WG_COMMON],
    listUpdates: [['winget', 'upgrade', ...WG_COMMON]],
    applyAll: ['winget', 'upgrade', '--all', ...WG_CHANGE],
    applySecurity: 'refused: applying security updates only is not supported by winget',
    installedVersion: ['winget', 'list', '--exact', '--id', '7zip.7zip', ...WG_COMMON],
  },
  {
    manager: 'choco',
    managerVersion: '2.2.2',
    name: 'googlechrome',
    version: '121.0.6167.85',
    detect: ['choco', '--version'],
    refresh: null,
    install: ['choco', 'install', 'googlechrome', '-y', '--no-progress'],
    installVersion: [
      'choco',
      'install',
      'googlechrome',
      '-y',
      '--no-progress',
      '--version',
      '121.0.6167.85',
    ],
    uninstall: ['choco', 'uninstall', 'googlechrome', '-y', '--no-progress'],
    uninstallVersion: [
      'choco',
      'uninstall',
      'googlechrome',
      '-y',
      '--no-progress',
      '--version',
      '121.0.6167.85',
    ],
    upgrade: ['choco', 'upgrade', 'googlechrome', '-y', '--no-progress', '--fail-on-not-installed'],
    // No --allow-downgrade: choco refuses an older version itself, too.
    upgradeVersion: [
      'choco',
      'upgrade',
      'googlechrome',
      '-y',
      '--no-progress',
      '--version',
      '121.0.6167.85',
      '--fail-on-not-installed',
    ],
    listInstalled: ['choco', 'list', '--limit-output'],
    listUpdates: [['choco', 'outdated', '--limit-output']],
    applyAll: ['choco', 'upgrade', 'all', '-y', '--no-progress'],
    applySecurity: 'refused: applying security updates only is not supported by choco',
    installedVersion: ['choco', 'list', 'googlechrome', '--exact', '--limit-output'],
  },
];

const PENDING: AvailableUpdate[] = [
  { name: 'openssl', current: '3.0.11-1', available: '3.0.13-1', security: true, kind: 'package' },
  {
    name: 'bash',
    current: '5.2.15-2+b8',
    available: '5.2.15-2+b13',
    security: false,
    kind: 'package',
  },
  { name: 'libssl3', current: '3.0.11-1', available: '3.0.13-1', security: true, kind: 'package' },
];

describe.each(EXPECTED)('$manager argument arrays', (e) => {
  const adapter: PackageAdapter = createAdapter(e.manager, {
    ...ctx,
    ...(e.managerVersion ? { managerVersion: e.managerVersion } : {}),
  });
  it('detect', () => expect(argv(adapter.detect())).toEqual(e.detect));
  it('refresh', () => {
    const refresh = adapter.refresh();
    expect(refresh === null ? null : argv(refresh)).toEqual(e.refresh);
  });
  it('install', () => expect(argv(adapter.install(e.name))).toEqual(e.install));
  it('install a version', () =>
    expect(argv(adapter.install(e.name, e.version ?? '1.0'))).toEqual(e.installVersion));
  it('uninstall', () => expect(argv(adapter.uninstall(e.name))).toEqual(e.uninstall));
  it('uninstall a version', () =>
    expect(argv(adapter.uninstall(e.name, e.version ?? '1.0'))).toEqual(e.uninstallVersion));
  it('upgrade', () => expect(argv(adapter.upgrade(e.name))).toEqual(e.upgrade));
  it('upgrade to a version', () =>
    expect(argv(adapter.upgrade(e.name, e.version ?? '1.0'))).toEqual(e.upgradeVersion));
  it('list installed', () => expect(argv(adapter.listInstalled())).toEqual(e.listInstalled));
  it('list updates', () => expect(adapter.listUpdates().map(argv)).toEqual(e.listUpdates));
  it('apply all updates', () =>
    expect(argv(adapter.applyUpdates('all', PENDING))).toEqual(e.applyAll));
  it('apply security updates', () =>
    expect(argv(adapter.applyUpdates('security', PENDING))).toEqual(e.applySecurity));
  it('installed version', () =>
    expect(argv(adapter.installedVersion(e.name))).toEqual(e.installedVersion));
});

it('covers every manager', () => {
  expect(EXPECTED.map((e) => e.manager).sort()).toEqual([...PACKAGE_MANAGERS].sort());
  expect(Object.keys(ADAPTERS).sort()).toEqual([...PACKAGE_MANAGERS].sort());
});

describe('hostile names and versions are refused by every builder', () => {
  const HOSTILE = [
    'foo; rm -rf /',
    '--option=evil',
    'foo bar',
    '-y',
    '',
    'a'.repeat(129),
    'foo\nbar',
    '$(id)',
    '1.0; reboot',
    '1.0 ; reboot',
    ' 1.0',
    '-1.0',
  ];
  const cases = PACKAGE_MANAGERS.flatMap((m) => HOSTILE.map((h) => [m, h] as const));
  it.each(cases)('%s refuses %j', (manager, hostile) => {
    const a = createAdapter(manager, ctx);
    for (const build of [
      a.install(hostile),
      a.uninstall(hostile),
      a.upgrade(hostile),
      a.installedVersion(hostile),
      a.install('good-name', hostile),
      a.upgrade('good-name', hostile),
      a.uninstall('good-name', hostile),
    ]) {
      expect(isRefusal(build)).toBe(true);
    }
  });

  it('apt refuses to pass on a hostile name even from its own update list', () => {
    const apt = createAdapter('apt', ctx);
    const build = apt.applyUpdates('security', [
      {
        name: '--allow-unauthenticated',
        current: '1',
        available: '2',
        security: true,
        kind: 'package',
      },
    ]);
    expect(argv(build)).toMatch(/^refused: package names cannot start with "-"/);
  });
});

describe('manager-specific details', () => {
  it('apt sets a non-interactive environment and waits for the dpkg lock itself', () => {
    const build = createAdapter('apt', ctx).install('hello');
    expect(isRefusal(build) ? null : build.env).toEqual({
      DEBIAN_FRONTEND: 'noninteractive',
      NEEDRESTART_MODE: 'a',
      APT_LISTCHANGES_FRONTEND: 'none',
      LC_ALL: 'C',
    });
  });

  it('apt security-only with no security update pending has nothing to do', () => {
    expect(createAdapter('apt', ctx).applyUpdates('security', [PENDING[1]!])).toBe('nothing-to-do');
  });

  it('dnf check-update exiting 100 means updates exist', () => {
    const [checkUpdate] = createAdapter('dnf', ctx).listUpdates();
    expect(checkUpdate?.exitCodes[100]).toBe('ok');
  });

  it('yum 4 is dnf: no exit_on_lock, which dnf does not know', () => {
    const build = createAdapter('yum', { ...ctx, managerVersion: '4.14.0' }).install('httpd');
    expect(argv(build)).toEqual(['yum', '-y', 'install', '--', 'httpd']);
  });

  it('yum 3 exits 200 when the lock is held', () => {
    const build = createAdapter('yum', { ...ctx, managerVersion: '3.4.3' }).install('httpd');
    expect(isRefusal(build) ? null : build.exitCodes[200]).toBe('lock-held');
  });

  it('zypper waits for its lock through ZYPP_LOCK_TIMEOUT and knows its exit codes', () => {
    const build = createAdapter('zypper', ctx).install('curl');
    if (isRefusal(build)) throw new Error(build.refused);
    expect(build.env.ZYPP_LOCK_TIMEOUT).toBe('120');
    expect(build.exitCodes).toMatchObject({ 7: 'lock-held', 102: 'reboot-required', 103: 'again' });
  });

  it('winget maps its HRESULTs', () => {
    const build = createAdapter('winget', ctx).upgrade('7zip.7zip');
    if (isRefusal(build)) throw new Error(build.refused);
    expect(build.exitCodes[WINGET_CODES.UPDATE_NOT_APPLICABLE]).toBe('nothing-to-do');
    expect(build.exitCodes[0x8a15002b]).toBe('nothing-to-do');
    expect(build.exitCodes[WINGET_CODES.INSTALL_IN_PROGRESS]).toBe('lock-held');
    expect(build.exitCodes[WINGET_CODES.INSTALL_REBOOT_REQUIRED_TO_FINISH]).toBe('reboot-required');
  });

  it('choco 1.x lists with --local-only', () => {
    const choco = createAdapter('choco', { ...ctx, managerVersion: '1.4.0' });
    expect(argv(choco.listInstalled())).toEqual([
      'choco',
      'list',
      '--local-only',
      '--limit-output',
    ]);
    expect(argv(choco.installedVersion('7zip'))).toEqual([
      'choco',
      'list',
      '7zip',
      '--local-only',
      '--exact',
      '--limit-output',
    ]);
  });

  it('brew runs as the prefix owner when told to, with a quiet, non-updating environment', () => {
    const runAs = { uid: 501, gid: 20, user: 'alice', home: '/Users/alice' };
    const build = createAdapter('brew', { ...ctx, file: '/opt/homebrew/bin/brew', runAs }).install(
      'wget',
    );
    if (isRefusal(build)) throw new Error(build.refused);
    expect(build.file).toBe('/opt/homebrew/bin/brew');
    expect(build.runAs).toEqual(runAs);
    expect(build.env).toMatchObject({ HOMEBREW_NO_AUTO_UPDATE: '1', NONINTERACTIVE: '1' });
  });

  it('looks for the managers of each OS', () => {
    expect(managersFor('win32')).toEqual(['winget', 'choco']);
    expect(managersFor('darwin')).toEqual(['brew']);
    expect(managersFor('linux')).toContain('apt');
    expect(managersFor('freebsd')).toEqual([]);
  });
});
