import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Collected files on disk, named by their SHA-256 (`blobs/ab/abcdef…`): the same log sent by
 * two devices is stored once, and a file's name proves its content. Uploads in progress grow
 * in `partial/` and move into place when their hash checks out. The database says which
 * blobs exist and who uses them (log_blob, log_bundle_file); this class only moves bytes.
 */
export class BlobStore {
  private partialDir?: Promise<unknown>;

  constructor(private readonly root: string) {}

  private blobPath(sha256: string): string {
    return join(this.root, 'blobs', sha256.slice(0, 2), sha256);
  }

  partialPath(bundleId: string, index: number): string {
    return join(this.root, 'partial', `${bundleId}-${index}`);
  }

  /**
   * Writes `data` (one buffer, or several back to back) at `offset` and datasyncs it, first
   * cutting the partial file there: whatever a crash left past the last acknowledged byte is
   * overwritten, never appended after.
   */
  async writeAt(path: string, offset: number, data: Buffer | Buffer[]): Promise<void> {
    const parts = (Array.isArray(data) ? data : [data]).filter((d) => d.length > 0);
    // The folder is made once, and again only if it went missing.
    this.partialDir ??= mkdir(join(this.root, 'partial'), { recursive: true }).catch(
      (err: unknown) => {
        this.partialDir = undefined;
        throw err;
      },
    );
    await this.partialDir;
    // 'w' empties the file itself: no truncate call for a file written from its start.
    const file = await open(path, offset === 0 ? 'w' : 'r+', 0o600).catch(async (err: unknown) => {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || offset > 0) throw err;
      await mkdir(join(this.root, 'partial'), { recursive: true });
      return open(path, 'w', 0o600);
    });
    try {
      if (offset > 0) await file.truncate(offset);
      let at = offset;
      for (const part of parts) {
        for (let done = 0; done < part.length;) {
          done += (await file.write(part, done, part.length - done, at + done)).bytesWritten;
        }
        at += part.length;
      }
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  async hashOf(path: string): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
    }
    return { sha256: hash.digest('hex'), size };
  }

  /** Moves a verified partial file into the store (replacing an identical copy, if any). */
  async commit(partial: string, sha256: string): Promise<void> {
    const dest = this.blobPath(sha256);
    await mkdir(join(this.root, 'blobs', sha256.slice(0, 2)), { recursive: true });
    await rename(partial, dest);
  }

  open(sha256: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.blobPath(sha256), range);
  }

  async remove(sha256: string): Promise<void> {
    await rm(this.blobPath(sha256), { force: true });
  }

  async removePartials(bundleId: string): Promise<void> {
    const dir = join(this.root, 'partial');
    const names = await readdir(dir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((n) => n.startsWith(`${bundleId}-`))
        .map((n) => rm(join(dir, n), { force: true })),
    );
  }
}
