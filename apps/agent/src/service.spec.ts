import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDeviceKeyPair } from '@fleetdesk/protocol';
import { ExitCode } from './exit-codes';
import {
  installService,
  LAUNCHD_PLIST_PATH,
  launchdPlist,
  systemdUnit,
  systemdWord,
  SYSTEMD_UNIT_PATH,
  uninstallService,
  windowsCommands,
} from './service';
import { saveIdentity } from './state';
import { recordingLogger } from './test-support/recording-logger';

const target = {
  program: ['/usr/bin/node', '/opt/fleet desk/fleetdesk-agent.js'],
  stateDir: '/var/lib/fleetdesk-agent',
};

describe('service definitions', () => {
  it('systemd: runs the bundle with this node, restarts, but not after revoke', () => {
    const unit = systemdUnit(target);
    expect(unit).toContain(
      'ExecStart=/usr/bin/node "/opt/fleet desk/fleetdesk-agent.js" run --state-dir /var/lib/fleetdesk-agent',
    );
    expect(unit).toMatch(/^Restart=always$/m);
    expect(unit).toMatch(/^RestartSec=5$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2 3$/m);
    expect(unit).toMatch(/^WantedBy=multi-user.target$/m);
    // Sandboxing that would stop an RMM agent doing admin work stays off.
    expect(unit).not.toMatch(/^(ProtectSystem|ProtectHome|PrivateTmp|NoNewPrivileges)=/m);
  });

  it('systemd: a single-file executable is started as itself, with no node', () => {
    const unit = systemdUnit({ ...target, program: ['/usr/local/bin/fleetdesk-agent'] });
    expect(unit).toMatch(
      /^ExecStart=\/usr\/local\/bin\/fleetdesk-agent run --state-dir \/var\/lib\/fleetdesk-agent$/m,
    );
  });

  it('systemd: escapes specifiers and quotes', () => {
    expect(systemdWord('/a/100%/$HOME')).toBe('/a/100%%/$$HOME');
    expect(systemdWord('say "hi"')).toBe('"say \\"hi\\""');
  });

  it('launchd and Windows equivalents carry the same command line', () => {
    expect(launchdPlist({ ...target, stateDir: '/a&b' })).toContain('<string>/a&amp;b</string>');
    const [create] = windowsCommands(target);
    expect(create).toContain(
      'binPath= "\\"/usr/bin/node\\" \\"/opt/fleet desk/fleetdesk-agent.js\\" run',
    );
  });
});

describe('installService', () => {
  let dir: string;
  let out: string[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-svc-'));
    out = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  const enroll = () =>
    saveIdentity(dir, {
      deviceId: '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b',
      serverUrl: 'http://s',
      enrolledAt: '',
      deviceKeyPem: generateDeviceKeyPair().privateKey,
      serverKeyPem: generateDeviceKeyPair().publicKey,
    });

  it('--dry-run prints the unit and the commands and touches nothing', async () => {
    await enroll();
    const writes: string[] = [];
    const runs: string[] = [];
    const code = await installService(
      {
        ...target,
        stateDir: dir,
        dryRun: true,
        platform: 'linux',
        isRoot: false,
        writeFile: (p) => Promise.resolve(void writes.push(p)),
        run: (c, a) => Promise.resolve(void runs.push([c, ...a].join(' '))),
      },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.OK);
    expect(writes).toEqual([]);
    expect(runs).toEqual([]);
    const printed = out.join('');
    expect(printed).toContain(`# ${SYSTEMD_UNIT_PATH}`);
    expect(printed).toContain(`run --state-dir ${dir}`);
    expect(printed).toContain('systemctl daemon-reload\nsystemctl enable --now fleetdesk-agent\n');
  });

  it('writes the unit, reloads systemd and enables the service', async () => {
    await enroll();
    const writes: [string, number][] = [];
    const runs: string[] = [];
    const code = await installService(
      {
        ...target,
        stateDir: dir,
        dryRun: false,
        platform: 'linux',
        isRoot: true,
        writeFile: (p, _d, mode) => Promise.resolve(void writes.push([p, mode])),
        run: (c, a) => Promise.resolve(void runs.push([c, ...a].join(' '))),
      },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.OK);
    expect(writes).toEqual([[SYSTEMD_UNIT_PATH, 0o644]]);
    expect(runs).toEqual(['systemctl daemon-reload', 'systemctl enable --now fleetdesk-agent']);
  });

  it('refuses when not enrolled, or not root', async () => {
    const base = {
      ...target,
      stateDir: dir,
      dryRun: false,
      platform: 'linux' as const,
      run: () => Promise.resolve(),
    };
    const log = recordingLogger();
    expect(await installService({ ...base, isRoot: true }, log)).toBe(ExitCode.USAGE);
    expect(log.has('error', /run enroll first/)).toBe(true);
    await enroll();
    expect(await installService({ ...base, isRoot: false }, log)).toBe(ExitCode.FAILURE);
    expect(log.has('error', /must run as root/)).toBe(true);
  });

  it('prints the Windows equivalent and exits 0', async () => {
    await enroll();
    const base = { ...target, stateDir: dir, dryRun: false, isRoot: false };
    expect(await installService({ ...base, platform: 'win32' }, recordingLogger())).toBe(
      ExitCode.OK,
    );
    expect(out.join('')).toContain('sc.exe create FleetdeskAgent');
  });

  it('macOS: writes the launchd plist and loads it, tolerating a label not loaded yet', async () => {
    await enroll();
    const writes: [string, number][] = [];
    const runs: string[] = [];
    const code = await installService(
      {
        ...target,
        program: ['/usr/local/bin/fleetdesk-agent'],
        stateDir: dir,
        dryRun: false,
        platform: 'darwin',
        isRoot: true,
        writeFile: (p, data, mode) => {
          expect(data).toContain('<string>/usr/local/bin/fleetdesk-agent</string>');
          return Promise.resolve(void writes.push([p, mode]));
        },
        run: (c, a) => {
          runs.push([c, ...a].join(' '));
          // What launchctl says when the label was never loaded.
          return a[0] === 'bootout'
            ? Promise.reject(new Error('Boot-out failed: 3: No such process'))
            : Promise.resolve();
        },
      },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.OK);
    expect(writes).toEqual([[LAUNCHD_PLIST_PATH, 0o644]]);
    expect(runs).toEqual([
      'launchctl bootout system/com.fleetdesk.agent',
      `launchctl bootstrap system ${LAUNCHD_PLIST_PATH}`,
    ]);
    const log = recordingLogger();
    expect(
      await installService(
        { ...target, stateDir: dir, dryRun: false, platform: 'darwin', isRoot: false },
        log,
      ),
    ).toBe(ExitCode.FAILURE);
    expect(log.has('error', /must run as root/)).toBe(true);
  });
});

describe('uninstallService', () => {
  it('systemd: disables and stops the unit, removes it and reloads', async () => {
    const runs: string[] = [];
    const removed: string[] = [];
    const code = await uninstallService(
      {
        platform: 'linux',
        isRoot: true,
        exists: () => true,
        run: (c, a) => Promise.resolve(void runs.push([c, ...a].join(' '))),
        removeFile: (p) => Promise.resolve(void removed.push(p)),
      },
      recordingLogger(),
    );
    expect(code).toBe(ExitCode.OK);
    expect(runs).toEqual(['systemctl disable --now fleetdesk-agent', 'systemctl daemon-reload']);
    expect(removed).toEqual([SYSTEMD_UNIT_PATH]);
  });

  it('is a no-op when nothing is installed, and needs root otherwise', async () => {
    const never = () => Promise.reject(new Error('must not run'));
    const none = { platform: 'darwin' as const, isRoot: false, run: never, removeFile: never };
    expect(await uninstallService({ ...none, exists: () => false }, recordingLogger())).toBe(
      ExitCode.OK,
    );
    const log = recordingLogger();
    expect(await uninstallService({ ...none, exists: () => true }, log)).toBe(ExitCode.FAILURE);
    expect(log.has('error', /must run as root/)).toBe(true);
  });
});
