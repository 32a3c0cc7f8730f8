import { generateKeyPairSync } from 'node:crypto';
import { actionRunSigningPayload, signPayload, verifyPayload } from './crypto';
import { encodeFrame, parseFrame } from './envelope';
import { type ActionRunSpec, type ResultBody, runAction, type SoftwareAction } from './messages';
import { sampleBodies } from './test-support/samples';

const install = (): SoftwareAction => ({
  kind: 'software',
  operation: 'install',
  packages: [
    { manager: 'apt', name: 'p7zip-full', version: '16.02+dfsg-8' },
    { manager: 'winget', name: '7zip.7zip' },
  ],
});

const specOf = (action: SoftwareAction): ActionRunSpec => ({
  ...structuredClone(sampleBodies().run_action.spec),
  action,
});

describe('software action validation', () => {
  it('accepts a per-manager install, an upgrade, an uninstall, apply_updates and an installer', () => {
    const ok: SoftwareAction[] = [
      install(),
      { kind: 'software', operation: 'upgrade', packages: [{ manager: 'apt', name: 'hello' }] },
      { kind: 'software', operation: 'uninstall', packages: [{ manager: 'choco', name: '7zip' }] },
      { kind: 'software', operation: 'apply_updates', packages: [], securityOnly: true },
      { kind: 'software', operation: 'apply_updates', packages: [] },
      {
        kind: 'software',
        operation: 'install',
        packages: [],
        installer: {
          id: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
          type: 'msi',
          sha256: 'a'.repeat(64),
          size: 1234,
          silentArgs: ['/qn', 'ALLUSERS=1'],
        },
      },
    ];
    for (const action of ok) expect(runAction(action)).toEqual({ ok: true, value: action });
  });

  it.each([
    ['foo; rm -rf /', /not a valid apt package name/],
    ['--option=evil', /cannot start with "-"/],
    ['-y', /cannot start with "-"/],
    ['two words', /not a valid apt package name/],
    ['hello\n', /not a valid apt package name/],
    ['$(reboot)', /not a valid apt package name/],
  ])('refuses the hostile apt name %j', (name, reason) => {
    const check = runAction({
      kind: 'software',
      operation: 'install',
      packages: [{ manager: 'apt', name }],
    });
    expect(check).toMatchObject({ ok: false, path: ['packages'], reason });
  });

  it.each([
    ['1.0; reboot', /not a valid apt version/],
    ['--force', /cannot start with "-"/],
    ['--option=evil', /cannot start with "-"/],
    ['-1', /cannot start with "-"/],
    ['1.0 2.0', /not a valid apt version/],
  ])('refuses the hostile version %j', (version, reason) => {
    for (const operation of ['install', 'upgrade'] as const) {
      const check = runAction({
        kind: 'software',
        operation,
        packages: [{ manager: 'apt', name: 'hello', version }],
      });
      expect(check).toMatchObject({ ok: false, reason });
    }
  });

  it.each([
    ['1.0; reboot', /not a valid winget version/],
    ['--option=evil', /cannot start with "-"/],
    ['-1', /cannot start with "-"/],
    ['23 01', /not a valid winget version/],
  ])('refuses the hostile version %j to upgrade or uninstall with winget', (version, reason) => {
    for (const operation of ['upgrade', 'uninstall'] as const) {
      const check = runAction({
        kind: 'software',
        operation,
        packages: [{ manager: 'winget', name: '7zip.7zip', version }],
      });
      expect(check).toMatchObject({ ok: false, path: ['packages'], reason });
    }
  });

  it('accepts a version to upgrade to and to uninstall where the manager can choose one', () => {
    const ok: SoftwareAction[] = [
      {
        kind: 'software',
        operation: 'upgrade',
        packages: [
          { manager: 'apt', name: 'hello', version: '2.10-3' },
          { manager: 'dnf', name: 'hello', version: '2.10-3' },
          { manager: 'winget', name: 'GNU.Hello', version: '2.10' },
        ],
      },
      {
        kind: 'software',
        operation: 'uninstall',
        packages: [
          { manager: 'winget', name: '7zip.7zip', version: '23.01' },
          { manager: 'choco', name: '7zip', version: '23.1.0' },
        ],
      },
    ];
    for (const action of ok) expect(runAction(action)).toEqual({ ok: true, value: action });
  });

  it.each<[string, Partial<SoftwareAction>, RegExp]>([
    [
      'apply_updates with packages',
      { operation: 'apply_updates', packages: [{ manager: 'winget', name: '7zip.7zip' }] },
      /names no packages/,
    ],
    ['securityOnly on install', { securityOnly: true }, /only with apply_updates/],
    [
      'a version apt cannot remove',
      { operation: 'uninstall' },
      /apt removes the installed version; a version cannot be chosen/,
    ],
    [
      'a version pacman cannot upgrade to',
      { operation: 'upgrade', packages: [{ manager: 'pacman', name: 'vim', version: '9.1-1' }] },
      /pacman upgrades to the version its repositories hold/,
    ],
    [
      'a version with apply_updates',
      { operation: 'apply_updates' },
      /apply_updates takes no version/,
    ],
    ['no package to install', { packages: [] }, /at least one package/],
    [
      'a manager twice',
      {
        packages: [
          { manager: 'apt', name: 'a1' },
          { manager: 'apt', name: 'b1' },
        ],
      },
      /listed twice/,
    ],
    [
      'a version brew cannot take',
      { packages: [{ manager: 'brew', name: 'wget', version: '1' }] },
      /cannot be chosen/,
    ],
    [
      'an unknown manager',
      { packages: [{ manager: 'npm' as 'apt', name: 'x1' }] },
      /expected one of/,
    ],
  ])('refuses %s', (_name, patch, reason) => {
    const check = runAction({ ...install(), ...patch });
    expect(check).toMatchObject({ ok: false, reason });
  });

  it('refuses a silent argument with a control character and an unknown installer type', () => {
    const base = {
      kind: 'software',
      operation: 'install',
      packages: [],
      installer: {
        id: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
        type: 'msi',
        sha256: 'a'.repeat(64),
        size: 1,
        silentArgs: ['/qn\r\nX'],
      },
    };
    expect(runAction(base)).toMatchObject({ ok: false, path: ['installer', 'silentArgs', 0] });
    expect(
      runAction({ ...base, installer: { ...base.installer, silentArgs: [], type: 'bat' } }),
    ).toMatchObject({ ok: false, path: ['installer', 'type'] });
  });

  it('round-trips a run_action frame and a result carrying the run detail', () => {
    const body = { spec: specOf(install()), signature: sampleBodies().run_action.signature };
    const frame = encodeFrame('run_action', body);
    expect(parseFrame(frame, { from: 'server' })).toMatchObject({ ok: true, message: { body } });
    const result: ResultBody = {
      runId: body.spec.runId,
      outcome: 'succeeded',
      startedAt: 1,
      finishedAt: 2,
      lastSeq: -1,
      outputBytes: 0,
      truncated: false,
      software: {
        operation: 'install',
        manager: 'apt',
        package: 'hello',
        versionBefore: null,
        versionAfter: '2.10-3',
        rebootRequired: false,
        nothingToDo: false,
      },
    };
    expect(parseFrame(encodeFrame('result', result), { from: 'agent' })).toMatchObject({
      ok: true,
      message: { body: result },
    });
  });
});

describe('software action signing', () => {
  const server = generateKeyPairSync('ed25519');

  it('signs every field, so changing any one breaks the signature', () => {
    const base = (): ActionRunSpec =>
      specOf({
        ...install(),
        securityOnly: undefined,
      });
    const withInstaller = (): ActionRunSpec =>
      specOf({
        kind: 'software',
        operation: 'install',
        packages: [],
        installer: {
          id: '6e1d9b4f-3a82-4c0f-b7d5-1e9f2a3b4c5d',
          type: 'exe',
          sha256: 'a'.repeat(64),
          size: 10,
          silentArgs: ['/S'],
        },
      });
    type Edit = (a: SoftwareAction) => void;
    const cases: [() => ActionRunSpec, Edit][] = [
      [base, (a) => (a.operation = 'uninstall')],
      [base, (a) => (a.packages[0].name = 'p7zip')],
      [base, (a) => (a.packages[0].manager = 'dnf')],
      [base, (a) => (a.packages[0].version = '16.02')],
      [base, (a) => delete a.packages[0].version],
      [base, (a) => (a.packages[1].version = '')],
      [base, (a) => a.packages.pop()],
      [base, (a) => (a.securityOnly = false)],
      [withInstaller, (a) => (a.installer!.sha256 = 'b'.repeat(64))],
      [withInstaller, (a) => (a.installer!.size += 1)],
      [withInstaller, (a) => (a.installer!.type = 'msi')],
      [withInstaller, (a) => a.installer!.silentArgs.push('/D=C:\\evil')],
      [withInstaller, (a) => (a.installer!.id = '7f2e0c5a-4b93-4d1a-88e6-2f0a3b4c5d6e')],
    ];
    for (const [make, edit] of cases) {
      const original = make();
      const signature = signPayload(server.privateKey, actionRunSigningPayload(original));
      expect(verifyPayload(server.publicKey, actionRunSigningPayload(original), signature)).toBe(
        true,
      );
      const changed = structuredClone(original);
      edit(changed.action as SoftwareAction);
      expect(verifyPayload(server.publicKey, actionRunSigningPayload(changed), signature)).toBe(
        false,
      );
    }
  });
});
