import { copyFile, link, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export const previousPath = (exe: string): string => `${exe}.previous`;
export const nextPath = (exe: string): string => `${exe}.new`;

export interface ReplaceFs {
  copyFile: typeof copyFile;
  link: typeof link;
  rename: typeof rename;
  rm: typeof rm;
}

const realFs: ReplaceFs = { copyFile, link, rename, rm };

/**
 * Puts `next` (already beside `exe`, written and fsynced) in the place of `exe`, keeping the
 * old one as `<exe>.previous`. On POSIX the old file is first hard-linked (or copied) to
 * .previous and `next` renamed over `exe` in one step, so `exe` always names a whole program.
 * Windows cannot replace a running .exe, but can rename it away, so there the old one is
 * moved first and moved back if the second rename fails.
 */
export async function replaceExecutable(
  exe: string,
  next: string,
  platform: NodeJS.Platform = process.platform,
  fs: ReplaceFs = realFs,
): Promise<void> {
  const previous = previousPath(exe);
  await fs.rm(previous, { force: true });
  if (platform === 'win32') {
    await fs.rename(exe, previous);
    try {
      await fs.rename(next, exe);
    } catch (err) {
      await fs.rename(previous, exe);
      throw err;
    }
    return;
  }
  await fs.link(exe, previous).catch(() => fs.copyFile(exe, previous));
  await fs.rename(next, exe);
  await syncDir(dirname(exe));
}

/** Makes the renames durable (POSIX): a crash right after must not bring back the old name. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => null);
  if (!handle) return;
  await handle.sync().catch(() => undefined);
  await handle.close();
}
