import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseSecretKey, SECRET_KEY_BYTES } from './secret-box';

export const KEY_FILE_NAME = 'secret.key';

/** A reason the server must not start; the message alone tells the operator what to do. */
export class SecretKeyError extends Error {}

export const keyFilePath = (dataDir: string): string => join(dataDir, KEY_FILE_NAME);

/**
 * Reads the key file; null when there is none. A key readable by other users, or a file that
 * does not hold a key, stops the server rather than being used or replaced.
 */
export async function readKeyFile(
  path: string,
  platform: NodeJS.Platform = process.platform,
): Promise<Buffer | null> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new SecretKeyError(`cannot read the secret key file ${path}: ${String(error)}`);
  }
  // Windows has no POSIX modes; DATA_DIR's ACL is what protects the file there.
  if (platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new SecretKeyError(
      `the secret key file ${path} has mode ${(mode & 0o777).toString(8).padStart(4, '0')}; it must be readable by its owner only (chmod 600 ${path})`,
    );
  }
  const key = parseSecretKey(await readFile(path, 'utf8'));
  if (!key) {
    throw new SecretKeyError(
      `the secret key file ${path} does not hold a 32-byte key (64 hex digits or base64); restore it from your backup`,
    );
  }
  return key;
}

/**
 * Makes a new key file with mode 0600, atomically: the key is written and synced under a
 * temporary name, then hard-linked to its final name, which fails if the file appeared in the
 * meantime, so an existing key is never overwritten. Whoever loses that race reads the winner's.
 */
export async function createKeyFile(path: string): Promise<Buffer> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(SECRET_KEY_BYTES);
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const existing = await readKeyFile(path);
    if (!existing) throw error;
    return existing;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  return key;
}
