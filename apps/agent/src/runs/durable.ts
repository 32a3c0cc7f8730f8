import { open } from 'node:fs/promises';

/**
 * Appends `text` and fsyncs before resolving: once it resolves, the bytes survive a crash
 * or a power cut. Files are created 0600, like everything else in the state directory.
 */
export async function appendDurable(path: string, text: string): Promise<void> {
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Makes a file creation or rename in `dir` durable. Best effort: Windows cannot open a
 * directory for fsync (NTFS journals its metadata anyway), and some file systems refuse.
 */
export async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Nothing better to do: the data itself was fsynced.
  }
}

export const isNotFound = (err: unknown): boolean =>
  (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
