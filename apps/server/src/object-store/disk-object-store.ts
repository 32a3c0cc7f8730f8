import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  type ByteRange,
  checkNamespace,
  checkRange,
  checkSha256,
  ObjectStore,
  type StoredObject,
} from './object-store';
import { spool } from './spool';

/**
 * Objects as files: `<root>/<namespace>/blobs/<sha256>`. An upload is spooled into the same
 * folder, so the final rename is atomic; the same bytes uploaded twice replace themselves.
 */
export class DiskObjectStore extends ObjectStore {
  readonly kind = 'disk' as const;

  constructor(private readonly root: string) {
    super();
  }

  private dir(namespace: string): string {
    checkNamespace(namespace);
    return join(this.root, namespace, 'blobs');
  }

  /** Where the bytes of `sha256` are, for tests and operators. */
  pathOf(namespace: string, sha256: string): string {
    checkSha256(sha256);
    return join(this.dir(namespace), sha256);
  }

  async put(namespace: string, source: Readable, maxBytes: number) {
    const { path, sha256, size } = await spool(source, this.dir(namespace), maxBytes);
    await rename(path, this.pathOf(namespace, sha256));
    return { sha256, size };
  }

  async putFile(namespace: string, path: string, sha256: string, size: number): Promise<void> {
    const dest = this.pathOf(namespace, sha256);
    const found = (await stat(path)).size;
    if (found !== size) throw new Error(`${path} holds ${found} bytes, not ${size}`);
    await mkdir(this.dir(namespace), { recursive: true, mode: 0o700 });
    try {
      await rename(path, dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
      // DATA_DIR spans filesystems: copy into the folder first, so the last step is a rename.
      const copy = await spool(createReadStream(path), this.dir(namespace), size);
      if (copy.sha256 !== sha256 || copy.size !== size) {
        await rm(copy.path, { force: true });
        throw new Error(`${path} changed while it was copied into the store`);
      }
      await rename(copy.path, dest);
    }
  }

  async open(namespace: string, sha256: string, range?: ByteRange): Promise<StoredObject | null> {
    checkRange(range);
    const path = this.pathOf(namespace, sha256);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return null;
    }
    if (!range) return { stream: createReadStream(path), size };
    const end = Math.min(range.end, size - 1);
    if (range.start > end) return { stream: Readable.from([]), size: 0 };
    return {
      stream: createReadStream(path, { start: range.start, end }),
      size: end - range.start + 1,
    };
  }

  async remove(namespace: string, sha256: string): Promise<void> {
    await rm(this.pathOf(namespace, sha256), { force: true });
  }
}
