import { generateDeviceKeyPair } from '@fleetdesk/protocol';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultStateDir,
  hasIdentity,
  IdentityExistsError,
  loadIdentity,
  saveIdentity,
  StateError,
  STATE_FILES,
  writeFileAtomic,
  type IdentityFiles,
} from './state';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fleetdesk-state-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

const mode = async (path: string) => (await stat(path)).mode & 0o777;

function identity(): IdentityFiles {
  return {
    deviceId: randomUUID(),
    serverUrl: 'https://rmm.example.com',
    enrolledAt: '2024-11-24T12:00:00.000Z',
    deviceKeyPem: generateDeviceKeyPair().privateKey,
    serverKeyPem: generateDeviceKeyPair().publicKey,
  };
}

const posix = process.platform !== 'win32';

describe('saveIdentity / loadIdentity', () => {
  it('creates the directory 0700 and every file 0600', async () => {
    const dir = join(root, 'nested', 'state');
    await saveIdentity(dir, identity());

    if (posix) {
      expect(await mode(dir)).toBe(0o700);
      for (const file of Object.values(STATE_FILES))
        expect(await mode(join(dir, file))).toBe(0o600);
    }
    expect((await readdir(dir)).sort()).toEqual(Object.values(STATE_FILES).sort());
  });

  it('tightens an existing, looser directory', async () => {
    await mkdir(join(root, 'loose'), { mode: 0o755 });
    await saveIdentity(join(root, 'loose'), identity());
    if (posix) expect(await mode(join(root, 'loose'))).toBe(0o700);
  });

  it('round-trips, holding only the device id, server URL and date in state.json', async () => {
    const saved = identity();
    await saveIdentity(root, saved);
    const loaded = await loadIdentity(root);

    expect(loaded?.deviceId).toBe(saved.deviceId);
    expect(loaded?.serverUrl).toBe(saved.serverUrl);
    expect(loaded?.privateKey.asymmetricKeyType).toBe('ed25519');
    expect(loaded?.serverPublicKey.export({ type: 'spki', format: 'pem' })).toBe(
      saved.serverKeyPem,
    );
    const state = JSON.parse(await readFile(join(root, STATE_FILES.state), 'utf8'));
    expect(Object.keys(state).sort()).toEqual(['deviceId', 'enrolledAt', 'serverUrl']);
  });

  it('refuses to overwrite an existing identity unless forced', async () => {
    const first = identity();
    await saveIdentity(root, first);
    await expect(saveIdentity(root, identity())).rejects.toBeInstanceOf(IdentityExistsError);
    expect((await loadIdentity(root))?.deviceId).toBe(first.deviceId);

    const second = identity();
    await saveIdentity(root, second, { force: true });
    expect((await loadIdentity(root))?.deviceId).toBe(second.deviceId);
  });

  it('counts a lone leftover key file as an identity (never silently replaced)', async () => {
    await writeFile(join(root, STATE_FILES.deviceKey), 'x');
    expect(await hasIdentity(root)).toBe(true);
    await expect(saveIdentity(root, identity())).rejects.toBeInstanceOf(IdentityExistsError);
  });

  it('returns null when not enrolled and StateError when the state is broken', async () => {
    expect(await loadIdentity(root)).toBeNull();
    await saveIdentity(root, identity());
    await writeFile(join(root, STATE_FILES.serverKey), generateDeviceKeyPair().privateKey);
    await expect(loadIdentity(root)).rejects.toBeInstanceOf(StateError);
    await writeFile(join(root, STATE_FILES.state), '{ nope');
    await expect(loadIdentity(root)).rejects.toThrow(/not JSON/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content and leaves no temp file behind', async () => {
    const path = join(root, 'f');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await readdir(root)).toEqual(['f']);
    if (posix) expect(await mode(path)).toBe(0o600);
  });

  it('leaves the target untouched and cleans up when the swap fails', async () => {
    // rename() onto a non-empty directory fails after the temp file was fully written.
    const target = join(root, 'target');
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'precious');
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect(await readFile(join(target, 'keep'), 'utf8')).toBe('precious');
    expect(await readdir(root)).toEqual(['target']);
  });

  it('honours an explicit mode', async () => {
    await writeFileAtomic(join(root, 'unit'), 'x', 0o644);
    if (posix) expect(await mode(join(root, 'unit'))).toBe(0o644);
  });
});

describe('defaultStateDir', () => {
  const ctx = { env: {}, platform: 'linux' as const, uid: 1000, home: '/home/ann' };
  it('uses /var/lib for root on Linux and the home directory otherwise', () => {
    expect(defaultStateDir({ ...ctx, uid: 0 })).toBe('/var/lib/fleetdesk-agent');
    expect(defaultStateDir(ctx)).toBe(join('/home/ann', '.fleetdesk-agent'));
    expect(defaultStateDir({ ...ctx, platform: 'darwin', uid: 0 })).toBe(
      join('/home/ann', '.fleetdesk-agent'),
    );
  });
  it('lets FLEETDESK_AGENT_STATE_DIR override the default', () => {
    expect(defaultStateDir({ ...ctx, uid: 0, env: { FLEETDESK_AGENT_STATE_DIR: '/srv/a' } })).toBe(
      '/srv/a',
    );
  });
});
