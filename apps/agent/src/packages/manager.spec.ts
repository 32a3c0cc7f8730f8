import { parseDscacheutil, parseGetentPasswd, resolveBrew, type BrewUserDeps } from './brew-user';
import { detectPackageManagers, openPackageManager, type PackageManagerSession } from './manager';
import { fakeSpawner, fixture, type FakeReply } from './test-support/fake-spawner';

// Sessions over a fake spawner: what runs, in which order, and what the result says.

const APT = [
  '-y',
  '-q',
  '-o',
  'DPkg::Lock::Timeout=60',
  '-o',
  'Dpkg::Options::=--force-confdef',
  '-o',
  'Dpkg::Options::=--force-confold',
].join(' ');
const DPKG_ONE = (name: string) =>
  `dpkg-query -W -f \${Package}\\t\${Version}\\t\${db:Status-Abbrev}\\n -- ${name}`;

async function open(
  replies: Record<string, FakeReply | FakeReply[]>,
  manager: 'apt' | 'pacman' | 'winget' = 'apt',
) {
  const fake = fakeSpawner({
    'apt-get --version': { stdout: 'apt 2.6.1 (amd64)\n' },
    'pacman --version': { stdout: ' .--.   Pacman v6.0.2 - libalpm v13.0.2\n' },
    'winget --version': { stdout: 'v1.7.10861\r\n' },
    ...replies,
  });
  const session = await openPackageManager(manager, {
    spawner: fake.spawner,
    platform: manager === 'winget' ? 'win32' : 'linux',
    lockWaitSeconds: 60,
    sleep: () => Promise.resolve(),
  });
  if ('error' in session) throw new Error(session.error);
  return { session: session as PackageManagerSession, fake };
}

describe('install, upgrade, uninstall', () => {
  it('refuses a hostile name and runs nothing for it', async () => {
    const { session, fake } = await open({});
    for (const result of [
      await session.install('foo; rm -rf /'),
      await session.install('--option=evil'),
      await session.uninstall('foo bar'),
      await session.upgrade('-y'),
      await session.install('hello', '1.0; reboot'),
    ]) {
      expect(result.status).toBe('refused');
      expect(result.message).toEqual(expect.any(String));
      expect(result.commands).toEqual([]);
    }
    expect(fake.commandLines()).toEqual(['apt-get --version']);
  });

  it('installs, with the version before and after', async () => {
    const { session, fake } = await open({
      [DPKG_ONE('hello')]: [
        { code: 1, stderr: 'dpkg-query: no packages found matching hello\n' },
        { stdout: 'hello\t2.10-3\tii \n' },
      ],
      [`apt-get ${APT} install -- hello`]: { stdout: 'Setting up hello (2.10-3) ...\n' },
    });
    const result = await session.install('hello');
    expect(result).toMatchObject({
      manager: 'apt',
      operation: 'install',
      status: 'succeeded',
      package: 'hello',
      versionBefore: null,
      versionAfter: '2.10-3',
      rebootRequired: false,
    });
    expect(fake.commandLines().slice(1)).toEqual([
      DPKG_ONE('hello'),
      `apt-get ${APT} install -- hello`,
      DPKG_ONE('hello'),
    ]);
  });

  it('says nothing to do when the package is already at that version', async () => {
    const { session } = await open({
      [DPKG_ONE('hello')]: { stdout: 'hello\t2.10-3\tii \n' },
      [`apt-get ${APT} install -- hello`]: {
        stdout:
          'hello is already the newest version (2.10-3).\n0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n',
      },
    });
    expect(await session.install('hello')).toMatchObject({
      status: 'nothing-to-do',
      message: 'nothing to do',
    });
  });

  it('fails an install the manager calls a success when the package is not there afterwards', async () => {
    const { session } = await open({
      [DPKG_ONE('hello')]: { code: 1 },
      [`apt-get ${APT} install -- hello`]: { stdout: '' },
    });
    expect(await session.install('hello')).toMatchObject({
      status: 'failed',
      message: 'apt reported success but hello is not installed afterwards',
    });
  });

  it('reports a failed install with the manager’s words', async () => {
    const { session } = await open({
      [DPKG_ONE('nosuch')]: { code: 1 },
      [`apt-get ${APT} install -- nosuch`]: {
        code: 100,
        stderr: 'E: Unable to locate package nosuch\n',
      },
    });
    const result = await session.install('nosuch');
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/exited with code 100: E: Unable to locate package nosuch/);
    expect(result.commands).toEqual([
      expect.objectContaining({ file: 'apt-get', exitCode: 100, meaning: 'failed', attempts: 1 }),
    ]);
  });

  it('reports a package zypper cannot find (exit 104) as a failure with its words', async () => {
    const fake = fakeSpawner({
      'zypper --version': { stdout: 'zypper 1.14.68\n' },
      'rpm -q --queryformat %{NAME}\\t%{EPOCH}\\t%{VERSION}-%{RELEASE}\\n -- nosuch': {
        code: 1,
        stdout: 'package nosuch is not installed\n',
      },
      'zypper --non-interactive --no-color install --auto-agree-with-licenses -- nosuch': {
        code: 104,
        stdout:
          "'nosuch' not found in package names. Trying capabilities.\nNo provider of 'nosuch' found.\n",
      },
    });
    const session = await openPackageManager('zypper', {
      spawner: fake.spawner,
      platform: 'linux',
    });
    if ('error' in session) throw new Error(session.error);
    const result = await session.install('nosuch');
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/exited with code 104: .*No provider of 'nosuch' found/s);
    expect(fake.commandLines()).toHaveLength(4);
  });

  it('uninstalls, and says nothing to do for a package that is not installed', async () => {
    const removed = await open({
      [DPKG_ONE('hello')]: [{ stdout: 'hello\t2.10-3\tii \n' }, { stdout: 'hello\t2.10-3\trc \n' }],
      [`apt-get ${APT} remove -- hello`]: { stdout: 'Removing hello (2.10-3) ...\n' },
    });
    expect(await removed.session.uninstall('hello')).toMatchObject({
      status: 'succeeded',
      versionBefore: '2.10-3',
      versionAfter: null,
    });

    const absent = await open({ [DPKG_ONE('hello')]: { code: 1 } });
    expect(await absent.session.uninstall('hello')).toMatchObject({ status: 'nothing-to-do' });
    expect(absent.fake.commandLines()).not.toContain(`apt-get ${APT} remove -- hello`);
  });

  it('will not "upgrade" a package that is not installed', async () => {
    const { session, fake } = await open({ [DPKG_ONE('hello')]: { code: 1 } });
    expect(await session.upgrade('hello')).toMatchObject({
      status: 'failed',
      message: 'hello is not installed; install it instead',
    });
    expect(fake.commandLines()).toHaveLength(2);
  });

  it('treats winget "no applicable update" as nothing to do and its reboot code as success', async () => {
    const list = (version: string) => ({
      stdout: `Name   Id         Version  Source\r\n-------------------------------------\r\n7-Zip  7zip.7zip  ${version.padEnd(9)}winget\r\n`,
    });
    const wg = '--accept-source-agreements --disable-interactivity';
    const upToDate = await open(
      {
        [`winget list --exact --id 7zip.7zip ${wg}`]: list('23.01'),
        [`winget upgrade --exact --id 7zip.7zip --silent --accept-package-agreements ${wg}`]: {
          code: 0x8a15002b - 2 ** 32,
        },
      },
      'winget',
    );
    expect(await upToDate.session.upgrade('7zip.7zip')).toMatchObject({ status: 'nothing-to-do' });

    const reboot = await open(
      {
        [`winget list --exact --id 7zip.7zip ${wg}`]: [list('22.01'), list('23.01')],
        [`winget upgrade --exact --id 7zip.7zip --silent --accept-package-agreements ${wg}`]: {
          code: 0x8a150109,
        },
      },
      'winget',
    );
    expect(await reboot.session.upgrade('7zip.7zip')).toMatchObject({
      status: 'succeeded',
      versionBefore: '22.01',
      versionAfter: '23.01',
      rebootRequired: true,
    });
  });
});

describe('a chosen version to upgrade to or to remove', () => {
  const UPGRADE_TO = (v: string) => `apt-get ${APT} install --only-upgrade -- hello=${v}`;

  it('upgrades to the version asked for, with the version before and after', async () => {
    const { session, fake } = await open({
      [DPKG_ONE('hello')]: [{ stdout: 'hello\t2.10-2\tii \n' }, { stdout: 'hello\t2.10-3\tii \n' }],
      [UPGRADE_TO('2.10-3')]: { stdout: 'Unpacking hello (2.10-3) over (2.10-2) ...\n' },
    });
    expect(await session.upgrade('hello', '2.10-3')).toMatchObject({
      operation: 'upgrade',
      status: 'succeeded',
      version: '2.10-3',
      versionBefore: '2.10-2',
      versionAfter: '2.10-3',
    });
    expect(fake.commandLines().slice(1)).toEqual([
      DPKG_ONE('hello'),
      UPGRADE_TO('2.10-3'),
      DPKG_ONE('hello'),
    ]);
  });

  it('fails an upgrade that ends on another version, whatever the manager said', async () => {
    const { session } = await open({
      [DPKG_ONE('hello')]: [{ stdout: 'hello\t2.10-2\tii \n' }, { stdout: 'hello\t2.10-2\tii \n' }],
      [UPGRADE_TO('2.10-3')]: {
        stdout: '0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n',
      },
    });
    expect(await session.upgrade('hello', '2.10-3')).toMatchObject({
      status: 'failed',
      versionBefore: '2.10-2',
      versionAfter: '2.10-2',
      message: 'hello 2.10-2 is installed afterwards, not the 2.10-3 asked for',
    });
  });

  it('refuses to "upgrade" to an older version and runs nothing but the query', async () => {
    const { session, fake } = await open({
      [DPKG_ONE('hello')]: { stdout: 'hello\t2.10-3\tii \n' },
    });
    expect(await session.upgrade('hello', '2.10-2')).toMatchObject({
      status: 'refused',
      versionBefore: '2.10-3',
      versionAfter: '2.10-3',
      message:
        'hello 2.10-3 is installed and 2.10-2 is older; an upgrade does not go to an older version',
      commands: [],
    });
    // The same version: nothing to do, nothing run.
    expect(await session.upgrade('hello', '2.10-3')).toMatchObject({
      status: 'nothing-to-do',
      versionAfter: '2.10-3',
      commands: [],
    });
    expect(fake.commandLines().slice(1)).toEqual([DPKG_ONE('hello'), DPKG_ONE('hello')]);
  });

  it('fails an install of a version that ends on another one', async () => {
    const { session } = await open({
      [DPKG_ONE('hello')]: [{ code: 1 }, { stdout: 'hello\t2.10-3\tii \n' }],
      [`apt-get ${APT} install --allow-downgrades -- hello=2.10-2`]: { stdout: '' },
    });
    expect(await session.install('hello', '2.10-2')).toMatchObject({
      status: 'failed',
      message: 'hello 2.10-3 is installed afterwards, not the 2.10-2 asked for',
    });
  });

  it('refuses a version to remove with apt, a hostile one to upgrade to, and runs nothing', async () => {
    const { session, fake } = await open({});
    expect(await session.uninstall('hello', '2.10-3')).toMatchObject({
      status: 'refused',
      message: 'apt removes the installed version; a version cannot be chosen',
      commands: [],
    });
    for (const bad of ['1.0; reboot', '--option=evil', '1.0 2.0', '-1']) {
      expect(await session.upgrade('hello', bad)).toMatchObject({
        status: 'refused',
        commands: [],
      });
    }
    expect(fake.commandLines()).toEqual(['apt-get --version']);
  });

  const wg = '--accept-source-agreements --disable-interactivity';
  const list = (...versions: string[]) => ({
    stdout:
      'Name   Id         Version  Source\r\n-------------------------------------\r\n' +
      versions.map((v) => `7-Zip  7zip.7zip  ${v.padEnd(9)}winget\r\n`).join(''),
  });

  it('upgrades winget to an exact version and compares versions as winget writes them', async () => {
    const { session, fake } = await open(
      {
        [`winget list --exact --id 7zip.7zip ${wg}`]: [list('22.01'), list('23.1')],
        [`winget upgrade --exact --id 7zip.7zip --version 23.01 --silent --accept-package-agreements ${wg}`]:
          { code: 0 },
      },
      'winget',
    );
    expect(await session.upgrade('7zip.7zip', '23.01')).toMatchObject({
      status: 'succeeded',
      versionBefore: '22.01',
      versionAfter: '23.1',
    });
    expect(fake.commandLines()).toContain(
      `winget upgrade --exact --id 7zip.7zip --version 23.01 --silent --accept-package-agreements ${wg}`,
    );
  });

  it('removes one winget version and fails only if that version is still there', async () => {
    const uninstall = `winget uninstall --exact --id 7zip.7zip --version 22.01 --silent ${wg}`;
    // Another version left beside it is fine.
    const kept = await open(
      {
        [`winget list --exact --id 7zip.7zip ${wg}`]: [list('22.01'), list('23.01')],
        [uninstall]: { code: 0 },
      },
      'winget',
    );
    expect(await kept.session.uninstall('7zip.7zip', '22.01')).toMatchObject({
      status: 'succeeded',
      versionBefore: '22.01',
      versionAfter: '23.01',
    });
    const stuck = await open(
      {
        [`winget list --exact --id 7zip.7zip ${wg}`]: list('22.01'),
        [uninstall]: { code: 0 },
      },
      'winget',
    );
    expect(await stuck.session.uninstall('7zip.7zip', '22.01')).toMatchObject({
      status: 'failed',
      message: 'winget reported success but 7zip.7zip 22.01 is still installed',
    });
  });
});

describe('updates', () => {
  const upgradable = { stdout: fixture('apt-list-upgradable.txt') };

  it('refreshes, then lists updates with their security flag', async () => {
    const { session, fake } = await open({
      'apt-get -q -o DPkg::Lock::Timeout=60 update': { stdout: 'Reading package lists...\n' },
      'apt list --upgradable': upgradable,
    });
    const listed = await session.listUpdates();
    if (!listed.ok) throw new Error(listed.error);
    expect(listed.items).toHaveLength(129);
    expect(fake.commandLines().slice(1)).toEqual([
      'apt-get -q -o DPkg::Lock::Timeout=60 update',
      'apt list --upgradable',
    ]);
  });

  it('applies only the security updates, by name', async () => {
    const { session, fake } = await open({
      'apt list --upgradable': {
        stdout:
          'Listing...\nbash/oldstable 5.2.15-2+b13 amd64 [upgradable from: 5.2.15-2+b8]\n' +
          'apt/oldstable-security 2.6.2 amd64 [upgradable from: 2.6.1]\n' +
          'libapt-pkg6.0/oldstable-security 2.6.2 amd64 [upgradable from: 2.6.1]\n',
      },
      [`apt-get ${APT} install --only-upgrade -- apt libapt-pkg6.0`]: {
        stdout: 'Unpacking apt (2.6.2) ...\n',
      },
    });
    const result = await session.applyUpdates('security', { refresh: false });
    expect(result).toMatchObject({ operation: 'apply-updates', status: 'succeeded' });
    expect(result.pending?.map((u) => u.name)).toEqual(['apt', 'libapt-pkg6.0']);
    expect(fake.commandLines().at(-1)).toBe(
      `apt-get ${APT} install --only-upgrade -- apt libapt-pkg6.0`,
    );
  });

  it('has nothing to do when nothing is pending, and runs no upgrade', async () => {
    const { session, fake } = await open({ 'apt list --upgradable': { stdout: 'Listing...\n' } });
    expect(await session.applyUpdates('all', { refresh: false })).toMatchObject({
      status: 'nothing-to-do',
      message: 'nothing to do',
      pending: [],
    });
    expect(fake.commandLines()).toEqual(['apt-get --version', 'apt list --upgradable']);
  });

  it('refuses security-only where the manager has no security data, before running anything', async () => {
    const { session, fake } = await open({}, 'pacman');
    expect(await session.applyUpdates('security')).toMatchObject({
      status: 'refused',
      message: 'applying security updates only is not supported by pacman',
    });
    expect(fake.commandLines()).toEqual(['pacman --version']);
  });

  it('reads pacman -Qu exiting 1 with no output as no updates', async () => {
    const { session } = await open({ 'pacman -Qu': { code: 1 } }, 'pacman');
    expect(await session.listUpdates()).toEqual({ ok: true, items: [] });
  });

  it('fails the listing when the refresh fails', async () => {
    const { session } = await open({
      'apt-get -q -o DPkg::Lock::Timeout=60 update': {
        code: 100,
        stderr: 'E: Failed to fetch http://deb.debian.org/…\n',
      },
    });
    const listed = await session.listUpdates();
    expect(listed.ok).toBe(false);
    expect(!listed.ok && listed.error).toMatch(/refreshing apt's package lists failed/);
  });
});

describe('detection', () => {
  it('lists the managers that answer, with their versions', async () => {
    const fake = fakeSpawner({
      'apt-get --version': { stdout: 'apt 2.6.1 (amd64)\n' },
      'dnf --version': { code: 1 },
    });
    const found = await detectPackageManagers({
      spawner: fake.spawner,
      platform: 'linux',
      brewUser: {
        uid: 0,
        candidates: [],
        realpath: () => Promise.reject(new Error('no')),
        stat: () => Promise.reject(new Error('no')),
        lookupUser: () => Promise.resolve(null),
      },
    });
    expect(found).toEqual([{ manager: 'apt', version: '2.6.1' }]);
  });

  it('finds winget and choco on Windows', async () => {
    const fake = fakeSpawner({
      'winget --version': { stdout: 'v1.7.10861\r\n' },
      'choco --version': { stdout: '2.2.2\r\n' },
    });
    expect(await detectPackageManagers({ spawner: fake.spawner, platform: 'win32' })).toEqual([
      { manager: 'winget', version: '1.7.10861' },
      { manager: 'choco', version: '2.2.2' },
    ]);
  });

  it('says why a manager cannot be opened', async () => {
    const fake = fakeSpawner({});
    expect(
      await openPackageManager('zypper', { spawner: fake.spawner, platform: 'linux' }),
    ).toEqual({
      error: 'zypper is not available on this device: zypper was not found on this device',
    });
  });
});

describe('brew as the owner of its installation', () => {
  const deps = (over: Partial<BrewUserDeps>): BrewUserDeps => ({
    uid: 0,
    candidates: ['/opt/homebrew/bin/brew', '/usr/local/bin/brew'],
    realpath: (p) =>
      p === '/opt/homebrew/bin/brew' ? Promise.resolve(p) : Promise.reject(new Error('ENOENT')),
    stat: () => Promise.resolve({ uid: 501, gid: 20 }),
    lookupUser: (uid) =>
      Promise.resolve(uid === 501 ? { user: 'alice', home: '/Users/alice' } : null),
    ...over,
  });

  it('runs as the owner when the agent is root', async () => {
    expect(await resolveBrew(deps({}))).toEqual({
      file: '/opt/homebrew/bin/brew',
      runAs: { uid: 501, gid: 20, user: 'alice', home: '/Users/alice' },
    });
  });

  it('runs as itself when the agent is the owner', async () => {
    expect(await resolveBrew(deps({ uid: 501 }))).toEqual({ file: '/opt/homebrew/bin/brew' });
  });

  it('refuses an installation owned by root, saying what to fix', async () => {
    const r = await resolveBrew(deps({ stat: () => Promise.resolve({ uid: 0, gid: 0 }) }));
    expect(r).toEqual({
      error: expect.stringMatching(/owned by root, and brew refuses to run as root/),
    });
  });

  it('refuses when a non-root agent would have to switch users', async () => {
    const r = await resolveBrew(deps({ uid: 502 }));
    expect(r).toEqual({
      error: expect.stringMatching(/belongs to uid 501, and the agent runs as uid 502/),
    });
  });

  it('refuses an owner with no account', async () => {
    const r = await resolveBrew(deps({ stat: () => Promise.resolve({ uid: 777, gid: 20 }) }));
    expect(r).toEqual({ error: expect.stringMatching(/uid 777, which has no user account/) });
  });

  it('says when brew is absent', async () => {
    expect(await resolveBrew(deps({ candidates: ['/nowhere/brew'] }))).toEqual({
      error: 'brew was not found on this device',
    });
  });

  it('passes runAs through to the commands it opens', async () => {
    const fake = fakeSpawner({
      '/opt/homebrew/bin/brew --version': { stdout: 'Homebrew 4.2.5\n' },
    });
    const session = await openPackageManager('brew', {
      spawner: fake.spawner,
      platform: 'darwin',
      brewUser: deps({}),
    });
    expect(session).toMatchObject({ manager: 'brew', version: '4.2.5' });
    expect(fake.calls[0]?.request).toMatchObject({
      uid: 501,
      gid: 20,
      env: { HOME: '/Users/alice' },
    });
  });

  it('reads the user databases', () => {
    expect(parseGetentPasswd('alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n')).toEqual({
      user: 'alice',
      home: '/home/alice',
    });
    expect(parseGetentPasswd('')).toBeNull();
    expect(
      parseDscacheutil(
        'name: alice\npassword: ********\nuid: 501\ngid: 20\ndir: /Users/alice\nshell: /bin/zsh\n',
      ),
    ).toEqual({ user: 'alice', home: '/Users/alice' });
  });
});
