import { rebootProbes, rebootRequired } from './reboot';
import { fakeSpawner } from './test-support/fake-spawner';

describe('reboot required', () => {
  it('asks each OS its own way', () => {
    expect(rebootProbes('linux', ['apt'])).toEqual([
      { kind: 'file', path: '/var/run/reboot-required' },
    ]);
    expect(
      rebootProbes('linux', ['dnf', 'yum']).map(
        (p) => p.kind === 'command' && [p.command.file, ...p.command.args],
      ),
    ).toEqual([['dnf', 'needs-restarting', '-r']]);
    expect(
      rebootProbes('linux', ['yum']).map(
        (p) => p.kind === 'command' && [p.command.file, ...p.command.args],
      ),
    ).toEqual([['needs-restarting', '-r']]);
    expect(
      rebootProbes('win32', ['winget']).map((p) => p.kind === 'command' && p.command.args),
    ).toEqual([
      [
        'query',
        'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending',
      ],
      [
        'query',
        'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired',
      ],
      [
        'query',
        'HKLM\\SYSTEM\\CurrentControlSet\\Control\\Session Manager',
        '/v',
        'PendingFileRenameOperations',
      ],
    ]);
    expect(rebootProbes('darwin', ['brew'])).toEqual([]);
  });

  it("reads Debian's marker file", async () => {
    const at = (present: boolean) => ({
      platform: 'linux' as const,
      exists: () => Promise.resolve(present),
    });
    expect(await rebootRequired(['apt'], at(true))).toBe(true);
    expect(await rebootRequired(['apt'], at(false))).toBe(false);
  });

  it('reads needs-restarting and zypper exit codes', async () => {
    const yes = fakeSpawner({
      'dnf needs-restarting -r': { code: 1, stdout: 'Reboot is required\n' },
    });
    expect(await rebootRequired(['dnf'], { platform: 'linux', spawner: yes.spawner })).toBe(true);
    const no = fakeSpawner({ 'zypper needs-rebooting': { code: 0 } });
    expect(await rebootRequired(['zypper'], { platform: 'linux', spawner: no.spawner })).toBe(
      false,
    );
    const zyYes = fakeSpawner({ 'zypper needs-rebooting': { code: 102 } });
    expect(await rebootRequired(['zypper'], { platform: 'linux', spawner: zyYes.spawner })).toBe(
      true,
    );
  });

  it('says a Windows reboot is pending when any key exists', async () => {
    const fake = fakeSpawner({
      'reg query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Component Based Servicing\\RebootPending':
        { code: 1 },
      'reg query HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Auto Update\\RebootRequired':
        { code: 0 },
    });
    expect(await rebootRequired(['winget'], { platform: 'win32', spawner: fake.spawner })).toBe(
      true,
    );
  });

  it('does not know when nothing could answer', async () => {
    const fake = fakeSpawner({});
    expect(await rebootRequired(['dnf'], { platform: 'linux', spawner: fake.spawner })).toBeNull();
    expect(await rebootRequired(['brew'], { platform: 'darwin' })).toBeNull();
  });
});
