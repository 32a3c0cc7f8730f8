import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  detectPackageManagers,
  openPackageManager,
  rebootRequired,
  type PackageManagerSession,
} from './index';

// The apt adapter against the real apt and dpkg of this machine, read-only: nothing is
// installed or removed here (the end-to-end suite does that through the jobs engine).

const usable =
  process.platform === 'linux' &&
  spawnSync('apt-get', ['--version']).status === 0 &&
  spawnSync('dpkg-query', ['--version']).status === 0;
if (!usable) {
  console.warn(
    'apt integration test skipped: apt-get and dpkg-query are not usable on this machine',
  );
}

(usable ? describe : describe.skip)('apt on this machine (read-only)', () => {
  let session: PackageManagerSession;

  beforeAll(async () => {
    const opened = await openPackageManager('apt');
    if ('error' in opened) throw new Error(opened.error);
    session = opened;
  });

  it('detects apt and its version', async () => {
    const version = /^apt (\S+)/.exec(
      execFileSync('apt-get', ['--version'], { encoding: 'utf8' }),
    )?.[1];
    expect(session.version).toBe(version);
    expect(await detectPackageManagers()).toContainEqual({ manager: 'apt', version });
  });

  it('lists what dpkg-query counts as installed', async () => {
    const statuses = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}\\n'], {
      encoding: 'utf8',
    })
      .split('\n')
      .filter((s) => s.startsWith('ii'));
    const listed = await session.listInstalled();
    if (!listed.ok) throw new Error(listed.error);
    expect(listed.items.length).toBe(statuses.length);
    expect(listed.items.length).toBeGreaterThan(50);
  });

  it('lists pending updates from the local package lists', async () => {
    // No refresh: apt-get update would write to /var/lib/apt/lists and needs the network.
    const listed = await session.listUpdates({ refresh: false });
    if (!listed.ok) throw new Error(listed.error);
    for (const update of listed.items) {
      expect(update.name).toMatch(/^[a-z0-9][a-z0-9+.-]+$/);
      expect(update.available).not.toBe('');
      expect(typeof update.security).toBe('boolean');
    }
    const raw = execFileSync('apt', ['list', '--upgradable'], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(listed.items.length).toBe(
      raw.split('\n').filter((l) => l.includes('[upgradable from:')).length,
    );
  });

  it("reads bash's installed version", async () => {
    const expected = execFileSync('dpkg-query', ['-W', '-f', '${Version}', 'bash'], {
      encoding: 'utf8',
    });
    expect(await session.installedVersion('bash')).toEqual({ version: expected });
    expect(await session.installedVersion('fleetdesk-no-such-package')).toEqual({ version: null });
  });

  it('refuses a hostile name without running apt', async () => {
    const result = await session.install('hello; rm -rf /');
    expect(result).toMatchObject({ status: 'refused', commands: [] });
  });

  it("reads Debian's reboot-required marker", async () => {
    expect(await rebootRequired(['apt'])).toBe(existsSync('/var/run/reboot-required'));
  });
});
