import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SoftwareAction, SoftwareActionInstaller } from '@fleetdesk/protocol';
import type { ActionContext } from '../runs/runs';
import { fetchInstaller, installerCommand, InstallerRefused } from './installer';
import { softwareActionHandler, type SoftwareActionDeps } from './software-action';
import { fakeSpawner, type FakeReply } from './test-support/fake-spawner';

const APT_GET =
  'apt-get -y -q -o DPkg::Lock::Timeout=300 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold';
const QUERY = 'dpkg-query -W -f ${Package}\\t${Version}\\t${db:Status-Abbrev}\\n --';
const notFound: FakeReply = { code: 1, stderr: 'dpkg-query: no packages found matching hello' };
const installed = (v: string): FakeReply => ({ stdout: `hello\t${v}\tii \n` });

function context() {
  const lines: string[] = [];
  const ctx: ActionContext = {
    runId: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
    say: (line) => lines.push(line),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined } as never,
  };
  return { ctx, lines };
}

function handler(
  replies: Record<string, FakeReply | FakeReply[]>,
  extra: Partial<SoftwareActionDeps> = {},
) {
  const fake = fakeSpawner({ 'apt-get --version': { stdout: 'apt 2.6.1 (amd64)\n' }, ...replies });
  const changed: number[] = [];
  const run = softwareActionHandler({
    platform: 'linux',
    managerOptions: { spawner: fake.spawner, platform: 'linux', sleep: () => Promise.resolve() },
    rebootRequired: () => Promise.resolve(false),
    fetchInstaller: () => Promise.reject(new Error('no installer expected')),
    onChanged: () => changed.push(1),
    ...extra,
  });
  return { run, fake, changed };
}

const action = (a: Partial<SoftwareAction>): SoftwareAction => ({
  kind: 'software',
  operation: 'install',
  packages: [{ manager: 'apt', name: 'hello' }],
  ...a,
});

describe('the software action on the agent', () => {
  it('installs with apt and reports the version before and after, then refreshes inventory', async () => {
    const { run, fake, changed } = handler({
      [`${QUERY} hello`]: [notFound, installed('2.10-3')],
      [`${APT_GET} install -- hello`]: { stdout: '1 upgraded, 1 newly installed, 0 to remove\n' },
    });
    const { ctx, lines } = context();
    const end = await run(
      action({
        packages: [
          { manager: 'dnf', name: 'hello' },
          { manager: 'apt', name: 'hello' },
        ],
      }),
      ctx,
    );
    expect(end).toMatchObject({
      outcome: 'succeeded',
      software: {
        operation: 'install',
        manager: 'apt',
        package: 'hello',
        versionBefore: null,
        versionAfter: '2.10-3',
        rebootRequired: false,
        nothingToDo: false,
      },
    });
    // dnf was looked for first (absent here), then apt did the work with an argument array.
    expect(fake.commandLines()).toContain(`${APT_GET} install -- hello`);
    expect(
      fake.calls.find((c) => c.file === 'apt-get' && c.args.includes('install'))?.request.env,
    ).toMatchObject({ DEBIAN_FRONTEND: 'noninteractive' });
    expect(lines.join('\n')).toMatch(/hello: not installed -> 2\.10-3/);
    end.afterResult?.();
    expect(changed).toEqual([1]);
  });

  it.each(['foo; rm -rf /', '--option=evil', 'two words', '-y', '$(reboot)'])(
    'refuses the hostile name %j before any program runs',
    async (name) => {
      const { run, fake } = handler({});
      const end = await run(action({ packages: [{ manager: 'apt', name }] }), context().ctx);
      expect(end.outcome).toBe('failed');
      expect(end.error).toMatch(/^refused, nothing was run: apt package/);
      expect(fake.calls).toEqual([]);
    },
  );

  it('refuses a hostile version before any program runs', async () => {
    const { run, fake } = handler({});
    const end = await run(
      action({
        packages: [{ manager: 'apt', name: 'hello', version: '1.0 --allow-unauthenticated' }],
      }),
      context().ctx,
    );
    expect(end).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/not a valid apt version/),
    });
    expect(fake.calls).toEqual([]);
  });

  it('fails with the reason when the device has none of the managers the title maps to', async () => {
    const { run } = handler({});
    const end = await run(
      action({
        packages: [
          { manager: 'winget', name: '7zip.7zip' },
          { manager: 'dnf', name: 'p7zip' },
        ],
      }),
      context().ctx,
    );
    expect(end.outcome).toBe('failed');
    expect(end.error).toMatch(
      /^no matching package manager on this device: needs one of winget, dnf/,
    );
  });

  it('succeeds with "nothing to do" when apply_updates finds none pending', async () => {
    const { run, fake, changed } = handler({
      'apt-get -q -o DPkg::Lock::Timeout=300 update': { stdout: 'Reading package lists...\n' },
      'apt list --upgradable': { stdout: 'Listing...\n' },
    });
    const { ctx, lines } = context();
    const end = await run(
      action({ operation: 'apply_updates', packages: [], securityOnly: false }),
      ctx,
    );
    expect(end).toMatchObject({
      outcome: 'succeeded',
      software: {
        operation: 'apply_updates',
        manager: 'apt',
        nothingToDo: true,
        pendingUpdates: 0,
      },
    });
    expect(lines).toContain('nothing to do');
    expect(fake.commandLines().some((l) => l.includes('upgrade'))).toBe(false);
    end.afterResult?.();
    expect(changed).toEqual([]);
  });

  it('says a reboot is required when the OS says so after an upgrade', async () => {
    const { run } = handler(
      {
        [`${QUERY} hello`]: [installed('2.10-2'), installed('2.10-3')],
        [`${APT_GET} install --only-upgrade -- hello`]: { stdout: '1 upgraded\n' },
      },
      { rebootRequired: () => Promise.resolve(true) },
    );
    const end = await run(action({ operation: 'upgrade' }), context().ctx);
    expect(end).toMatchObject({
      outcome: 'succeeded',
      software: { versionBefore: '2.10-2', versionAfter: '2.10-3', rebootRequired: true },
    });
  });

  it('upgrades to the version the action names, and fails the run when it ends elsewhere', async () => {
    const upgradeTo = `${APT_GET} install --only-upgrade -- hello=2.10-3`;
    const { run } = handler({
      [`${QUERY} hello`]: [installed('2.10-2'), installed('2.10-3'), installed('2.10-2')],
      [upgradeTo]: { stdout: '1 upgraded\n' },
    });
    const pinned = action({
      operation: 'upgrade',
      packages: [{ manager: 'apt', name: 'hello', version: '2.10-3' }],
    });
    const { ctx, lines } = context();
    expect(await run(pinned, ctx)).toMatchObject({
      outcome: 'succeeded',
      software: { operation: 'upgrade', versionBefore: '2.10-2', versionAfter: '2.10-3' },
    });
    expect(lines).toContain('upgrade hello 2.10-3');
    // From 2.10-2 again, apt exits 0 but leaves it there: failed, both versions recorded.
    expect(await run(pinned, context().ctx)).toMatchObject({
      outcome: 'failed',
      error: 'hello 2.10-2 is installed afterwards, not the 2.10-3 asked for',
      software: { versionBefore: '2.10-2', versionAfter: '2.10-2' },
    });
  });

  it.each<[Partial<SoftwareAction>, RegExp]>([
    [
      { operation: 'uninstall', packages: [{ manager: 'apt', name: 'hello', version: '2.10-3' }] },
      /^refused, nothing was run: apt version "2\.10-3": apt removes the installed version; a version cannot be chosen$/,
    ],
    [
      {
        operation: 'upgrade',
        packages: [{ manager: 'apt', name: 'hello', version: '1.0; reboot' }],
      },
      /not a valid apt version/,
    ],
    [
      { operation: 'upgrade', packages: [{ manager: 'apt', name: 'hello', version: '-1' }] },
      /cannot start with "-"/,
    ],
  ])(
    're-checks the version against the shared table before anything runs: %j',
    async (a, error) => {
      const { run, fake } = handler({});
      const end = await run(action(a), context().ctx);
      expect(end.outcome).toBe('failed');
      expect(end.error).toMatch(error);
      expect(fake.calls).toEqual([]);
    },
  );

  it('uninstalls, and calls removing an absent package nothing to do', async () => {
    const { run } = handler({
      [`${QUERY} hello`]: [installed('2.10-3'), notFound, notFound],
      [`${APT_GET} remove -- hello`]: { stdout: '0 upgraded, 0 newly installed, 1 to remove\n' },
    });
    const removed = await run(action({ operation: 'uninstall' }), context().ctx);
    expect(removed).toMatchObject({
      outcome: 'succeeded',
      software: { versionBefore: '2.10-3', versionAfter: null, nothingToDo: false },
    });
    const again = await run(action({ operation: 'uninstall' }), context().ctx);
    expect(again).toMatchObject({ outcome: 'succeeded', software: { nothingToDo: true } });
  });
});

describe('installers on the agent', () => {
  const bytes = Buffer.from('pretend this is an msi');
  const sha = createHash('sha256').update(bytes).digest('hex');
  const installer: SoftwareActionInstaller = {
    id: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
    type: 'msi',
    sha256: sha,
    size: bytes.length,
    silentArgs: ['ALLUSERS=1'],
  };
  const keys = generateKeyPairSync('ed25519');
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-installers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const fetchWith = (served: Buffer, seen: { authorization?: string; url?: string } = {}) =>
    fetchInstaller({
      serverUrl: 'http://server.test',
      deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b',
      privateKey: keys.privateKey,
      installer,
      dir,
      fetchImpl: (url, init) => {
        seen.url = url as string;
        seen.authorization = (init?.headers as Record<string, string>).authorization;
        return Promise.resolve(new Response(served));
      },
    });

  it('keeps a download whose bytes are the signed ones, signed as the device, under its hash', async () => {
    const seen: { authorization?: string; url?: string } = {};
    const path = await fetchWith(bytes, seen);
    expect(path).toBe(join(dir, `${sha}.msi`));
    expect(seen.url).toBe(`http://server.test/api/software/installers/${installer.id}/content`);
    expect(seen.authorization).toMatch(/^FleetdeskDevice 3f2b8c1e-/);
  });

  it('refuses changed bytes and bytes past the signed size, keeping nothing', async () => {
    const changed = Buffer.from(bytes);
    changed[0] ^= 1;
    await expect(fetchWith(changed)).rejects.toThrow(InstallerRefused);
    await expect(fetchWith(changed)).rejects.toThrow(/do not match the signed hash/);
    await expect(fetchWith(Buffer.concat([bytes, Buffer.from('x')]))).rejects.toThrow(
      /larger than its signed size/,
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('runs nothing when the installer is refused', async () => {
    const { run, fake } = handler(
      {},
      { platform: 'win32', fetchInstaller: () => fetchWith(Buffer.from('tampered bytes!!!!!!!!')) },
    );
    const end = await run(action({ packages: [], installer }), context().ctx);
    expect(end).toMatchObject({
      outcome: 'failed',
      error: expect.stringMatching(/do not match the signed hash.*nothing was run/),
      software: { installerSha256: sha },
    });
    expect(fake.commandLines().some((l) => l.startsWith('msiexec'))).toBe(false);
  });

  it('runs a verified msi with msiexec, silently, and reads 3010 as reboot required', async () => {
    const file = join(dir, `${sha}.msi`);
    const { run, fake } = handler(
      { [`msiexec /i ${file} /qn /norestart ALLUSERS=1`]: { code: 3010 } },
      { platform: 'win32', fetchInstaller: () => fetchWith(bytes) },
    );
    const end = await run(action({ packages: [], installer }), context().ctx);
    expect(end).toMatchObject({
      outcome: 'succeeded',
      software: { manager: null, rebootRequired: true, installerSha256: sha },
    });
    expect(fake.calls.at(-1)).toMatchObject({
      file: 'msiexec',
      args: ['/i', file, '/qn', '/norestart', 'ALLUSERS=1'],
    });
  });

  it.each<[SoftwareActionInstaller['type'], string[], string, string[]]>([
    [
      'deb',
      ['apt'],
      'apt-get',
      ['-y', '-q', '-o', 'DPkg::Lock::Timeout=300', 'install', '/x/a.deb'],
    ],
    ['rpm', ['dnf'], 'dnf', ['-y', 'install', '/x/a.rpm']],
    ['rpm', ['zypper'], 'zypper', ['--non-interactive', 'install', '/x/a.rpm']],
    ['pkg', [], 'installer', ['-pkg', '/x/a.pkg', '-target', '/']],
    ['exe', [], '/x/a.exe', ['/S', '/D=C:\\Program Files\\A']],
  ])('builds the %s command as an argument array', (type, managers, file, args) => {
    const silentArgs = type === 'exe' ? ['/S', '/D=C:\\Program Files\\A'] : [];
    expect(installerCommand({ type, silentArgs }, `/x/a.${type}`, managers as never)).toMatchObject(
      { file, args },
    );
  });

  it('refuses a .deb where there is no apt and an .rpm where there is no rpm manager', () => {
    expect(installerCommand({ type: 'deb', silentArgs: [] }, '/x', ['dnf'])).toEqual({
      refused: 'a .deb needs apt, which this device lacks',
    });
    expect(installerCommand({ type: 'rpm', silentArgs: [] }, '/x', ['apt'])).toMatchObject({
      refused: expect.stringMatching(/dnf, yum or zypper/),
    });
  });
});
