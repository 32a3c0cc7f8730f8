import {
  PACKAGE_MANAGERS,
  PACKAGE_NAME_MAX_LENGTH,
  PACKAGE_VERSION_MAX_LENGTH,
  isPackageManager,
  packageNameProblem,
  managersChoosingVersion,
  PACKAGE_CHANGES,
  packageVersionChoosable,
  packageVersionProblem,
  packageVersionRefusal,
  packageVersionSyntaxKnown,
  type PackageChange,
  type PackageManager,
  versionChoiceSummary,
} from './packages';

// Names and versions a technician (or an attacker with a technician's session) might send.
const HOSTILE = [
  'foo; rm -rf /',
  '--option=evil',
  '-y',
  '-',
  'foo bar',
  ' foo',
  'foo ',
  '',
  'x'.repeat(PACKAGE_NAME_MAX_LENGTH + 1),
  'foo\nbar',
  'foo\u0000',
  'foo\u001b[31m',
  'foo\tbar',
  '$(reboot)',
  '`id`',
  'foo|bar',
  'foo&&bar',
  '../../etc/passwd',
  '/usr/bin/foo',
  'foo*',
  'foo>1.0',
  'ｆｏｏ',
];

describe('package names', () => {
  it.each(PACKAGE_MANAGERS.flatMap((m) => HOSTILE.map((name) => [m, name] as const)))(
    '%s refuses %j',
    (manager, name) => {
      expect(packageNameProblem(manager, name)).toEqual(expect.any(String));
    },
  );

  const valid: [PackageManager, string][] = [
    ['apt', 'p7zip-full'],
    ['apt', 'libstdc++6'],
    ['apt', 'python3.11'],
    ['apt', 'libc6:i386'],
    ['apt', 'hello'],
    ['dnf', 'python3.11'],
    ['dnf', 'NetworkManager'],
    ['dnf', 'perl-Test-Simple'],
    ['dnf', 'libstdc++'],
    ['yum', 'httpd'],
    ['zypper', 'MozillaFirefox'],
    ['zypper', 'libzypp'],
    ['apk', 'py3-pip'],
    ['apk', 'build-base'],
    ['pacman', 'gtk3'],
    ['pacman', 'lib32-glibc'],
    ['pacman', 'r8168-lts'],
    ['brew', 'node@20'],
    ['brew', 'sevenzip'],
    ['brew', 'homebrew/cask/firefox'],
    ['winget', '7zip.7zip'],
    ['winget', 'Microsoft.VisualStudioCode'],
    ['winget', 'Python.Python.3.11'],
    ['winget', '9NBLGGH4NNS1'],
    ['winget', 'Notepad++.Notepad++'],
    ['choco', 'googlechrome'],
    ['choco', '7zip'],
    ['choco', 'vscode.install'],
    ['choco', 'dotnet-8.0-runtime'],
  ];
  it.each(valid)('%s accepts %s', (manager, name) => {
    expect(packageNameProblem(manager, name)).toBeNull();
  });

  it.each([
    ['apt', 'Hello'],
    ['apt', 'a'],
    ['apt', '.hidden'],
    ['pacman', '.foo'],
    ['brew', 'Node'],
    ['winget', '7zip..7zip'],
    ['winget', '.7zip'],
    ['choco', 'chrome.'],
  ] as [PackageManager, string][])('%s refuses its own malformed %s', (manager, name) => {
    expect(packageNameProblem(manager, name)).toEqual(expect.any(String));
  });

  it('accepts the longest name', () => {
    expect(packageNameProblem('dnf', 'a'.repeat(PACKAGE_NAME_MAX_LENGTH))).toBeNull();
  });

  it('says why a leading dash is refused', () => {
    expect(packageNameProblem('apt', '--option=evil')).toMatch(/option/);
  });
});

describe('package versions', () => {
  const valid: [PackageManager, string][] = [
    ['apt', '1:2.38.1-5+deb12u1'],
    ['apt', '5.2.15-2+b8'],
    ['apt', '20230311+deb12u1'],
    ['apt', '2.6.1'],
    ['apt', '1.0~rc1-1'],
    ['dnf', '1.2.3-4.el9'],
    ['dnf', '2:8.2.2637-20.el9_1'],
    ['yum', '2.4.6-99.el7.centos'],
    ['zypper', '1.14.68-150400.3.46.1'],
    ['dnf', '1.0^20230101git1234-1.fc39'],
    ['apk', '1.36.1-r2'],
    ['apk', '3.0.12_p1-r0'],
    ['winget', '23.01'],
    ['winget', '1.85.2'],
    ['choco', '120.0.6099.130'],
    ['choco', '1.2.3-beta1'],
  ];
  it.each(valid)('%s accepts %s', (manager, version) => {
    expect(packageVersionProblem(manager, version, 'install')).toBeNull();
  });

  // Every (manager, operation) that takes a version refuses a hostile one, upgrade and
  // uninstall as much as install.
  const versioned = PACKAGE_CHANGES.flatMap((o) =>
    managersChoosingVersion(o).map((m) => [m, o] as const),
  );
  it.each(
    versioned.flatMap(([m, o]) =>
      [
        ...HOSTILE,
        'x'.repeat(PACKAGE_VERSION_MAX_LENGTH + 1),
        '1.0 ; reboot',
        '1.0; reboot',
        '=1.0',
        '--option=evil',
        '-1.0',
        '1.0 2.0',
      ].map((v) => [m, o, v] as const),
    ),
  )('%s %s refuses version %j', (manager, operation, version) => {
    expect(packageVersionProblem(manager, version, operation)).toEqual(expect.any(String));
  });

  it('says, per manager and operation, where a version can be chosen', () => {
    const table = Object.fromEntries(
      PACKAGE_MANAGERS.map((m) => [
        m,
        PACKAGE_CHANGES.filter((o) => packageVersionChoosable(m, o)).join(' '),
      ]),
    );
    expect(table).toEqual({
      apt: 'install upgrade',
      dnf: 'install upgrade',
      yum: 'install upgrade',
      zypper: 'install upgrade',
      apk: 'install upgrade',
      pacman: '',
      brew: '',
      winget: 'install uninstall upgrade',
      choco: 'install uninstall upgrade',
    });
    expect(versionChoiceSummary()).toBe(
      'install: apt, dnf, yum, zypper, apk, winget, choco; uninstall: winget, choco; ' +
        'upgrade: apt, dnf, yum, zypper, apk, winget, choco',
    );
  });

  it('gives the one-sentence reason where it cannot, before looking at the version', () => {
    expect(packageVersionProblem('apt', '2.10-3', 'uninstall')).toBe(
      'apt removes the installed version; a version cannot be chosen',
    );
    expect(packageVersionProblem('dnf', '1.2.3-4.el9', 'uninstall')).toMatch(/^dnf removes/);
    expect(packageVersionProblem('brew', '20.1.0', 'install')).toMatch(/node@20/);
    expect(packageVersionProblem('brew', '20.1.0', 'upgrade')).toMatch(/node@20/);
    expect(packageVersionProblem('pacman', '1.0-1', 'upgrade')).toMatch(/cannot be chosen/);
    // A hostile version gets the same refusal: the manager cannot take any.
    expect(packageVersionProblem('apk', '1.0; reboot', 'uninstall')).toMatch(/^apk removes/);
    for (const m of PACKAGE_MANAGERS)
      for (const o of PACKAGE_CHANGES) {
        const refusal = packageVersionRefusal(m, o);
        if (refusal === null) continue;
        // One sentence: no full stop inside, the manager named, nothing to parse.
        expect(refusal).toMatch(new RegExp(`^${m} `));
        expect(refusal).not.toMatch(/\.\s/);
      }
  });

  it('takes a version only where the manager has a version syntax', () => {
    for (const m of PACKAGE_MANAGERS) {
      const any = PACKAGE_CHANGES.some((o: PackageChange) => packageVersionChoosable(m, o));
      expect([m, any]).toEqual([m, packageVersionSyntaxKnown(m)]);
    }
  });

  it.each([
    ['apt', 'abc'],
    ['apt', '1:'],
    ['apk', '1.0-r'],
    ['choco', 'latest'],
  ] as [PackageManager, string][])('%s refuses its own malformed version %s', (m, v) => {
    expect(packageVersionProblem(m, v, 'install')).toEqual(expect.any(String));
    expect(packageVersionProblem(m, v, 'upgrade')).toEqual(expect.any(String));
  });
});

describe('isPackageManager', () => {
  it('knows the list and nothing else', () => {
    for (const m of PACKAGE_MANAGERS) expect(isPackageManager(m)).toBe(true);
    expect(isPackageManager('snap')).toBe(false);
    expect(isPackageManager('toString')).toBe(false);
    expect(isPackageManager(1)).toBe(false);
  });
});
