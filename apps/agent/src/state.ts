import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parsePublicKey, uuid } from '@fleetdesk/protocol';

/**
 * The state directory holds the device identity: the private key, the pinned server key,
 * and state.json with the device id and server URL. Directory 0700, files 0600, every file
 * replaced atomically so a crash never leaves half a key. Runs keep their journal
 * (journal.jsonl) and their unacknowledged results (outbox/) here too; see runs/runs.ts.
 */
export const STATE_FILES = {
  state: 'state.json',
  deviceKey: 'device.key',
  serverKey: 'server.pub',
} as const;

export interface AgentState {
  deviceId: string;
  serverUrl: string;
  /** ISO 8601. */
  enrolledAt: string;
}

export interface IdentityFiles extends AgentState {
  /** PKCS#8 PEM. */
  deviceKeyPem: string;
  /** SPKI PEM, pinned at enrollment. */
  serverKeyPem: string;
}

export interface LoadedIdentity extends AgentState {
  privateKey: KeyObject;
  serverPublicKey: KeyObject;
}

/** The state exists but cannot be used; a restart will not fix it. */
export class StateError extends Error {
  override name = 'StateError';
}

export class IdentityExistsError extends StateError {
  override name = 'IdentityExistsError';
}

export interface StateDirContext {
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** undefined on Windows, where process.getuid does not exist. */
  uid: number | undefined;
  home: string;
}

export function defaultStateDir(ctx: StateDirContext): string {
  const fromEnv = ctx.env.FLEETDESK_AGENT_STATE_DIR;
  if (fromEnv) return fromEnv;
  if (ctx.platform === 'linux' && ctx.uid === 0) return '/var/lib/fleetdesk-agent';
  return join(ctx.home, '.fleetdesk-agent');
}

export const currentStateDirContext = (): StateDirContext => ({
  env: process.env,
  platform: process.platform,
  uid: process.getuid?.(),
  home: homedir(),
});

/** Creates the directory (and parents) and tightens it to 0700 if it already existed. */
export async function ensureStateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Writes to a fresh temp file beside the target, fsyncs, then renames over the target:
 * readers see the old file or the new one, never a mix. The temp file is created with
 * the final mode so the key is never readable by others, not even briefly.
 */
export async function writeFileAtomic(path: string, data: string, mode = 0o600): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.chmod(mode); // open() applied the umask; say exactly what we mean
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

export async function hasIdentity(dir: string): Promise<boolean> {
  const found = await Promise.all(Object.values(STATE_FILES).map((f) => exists(join(dir, f))));
  return found.some(Boolean);
}

export async function saveIdentity(
  dir: string,
  identity: IdentityFiles,
  options: { force?: boolean } = {},
): Promise<void> {
  await ensureStateDir(dir);
  if (!options.force && (await hasIdentity(dir))) {
    throw new IdentityExistsError(
      `an identity already exists in ${dir}; pass --force to replace it (the old device stays on the server until a technician removes it)`,
    );
  }
  // state.json is written last and removed first: it marks a complete identity, so a crash
  // half way through a re-enrollment leaves "not enrolled" rather than a key that does not
  // match the device id.
  await unlink(join(dir, STATE_FILES.state)).catch(() => undefined);
  await writeFileAtomic(join(dir, STATE_FILES.deviceKey), identity.deviceKeyPem);
  await writeFileAtomic(join(dir, STATE_FILES.serverKey), identity.serverKeyPem);
  const state: AgentState = {
    deviceId: identity.deviceId,
    serverUrl: identity.serverUrl,
    enrolledAt: identity.enrolledAt,
  };
  await writeFileAtomic(join(dir, STATE_FILES.state), `${JSON.stringify(state, null, 2)}\n`);
}

/** null when the agent was never enrolled here; StateError when the state is unusable. */
export async function loadIdentity(dir: string): Promise<LoadedIdentity | null> {
  let raw: string;
  try {
    raw = await readFile(join(dir, STATE_FILES.state), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateError(`cannot read ${join(dir, STATE_FILES.state)}: ${String(err)}`);
  }
  const broken = (what: string) =>
    new StateError(`the state in ${dir} is unusable (${what}); re-enroll with --force`);

  let state: Partial<AgentState>;
  try {
    state = JSON.parse(raw) as Partial<AgentState>;
  } catch {
    throw broken(`${STATE_FILES.state} is not JSON`);
  }
  if (!uuid(state.deviceId).ok || typeof state.deviceId !== 'string') throw broken('bad deviceId');
  if (typeof state.serverUrl !== 'string' || !state.serverUrl) throw broken('bad serverUrl');

  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(await readFile(join(dir, STATE_FILES.deviceKey), 'utf8'));
  } catch {
    throw broken(`${STATE_FILES.deviceKey} missing or not a private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw broken('device key is not Ed25519');

  const serverPem = await readFile(join(dir, STATE_FILES.serverKey), 'utf8').catch(() => '');
  const serverPublicKey = parsePublicKey(serverPem);
  if (!serverPublicKey) throw broken(`${STATE_FILES.serverKey} missing or not an Ed25519 key`);

  return {
    deviceId: state.deviceId,
    serverUrl: state.serverUrl,
    enrolledAt: typeof state.enrolledAt === 'string' ? state.enrolledAt : '',
    privateKey,
    serverPublicKey,
  };
}
