import { createReadStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { checkNamespace, checkSha256, ObjectStore, type StoredObject } from './object-store';
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

  async open(namespace: string, sha256: string): Promise<StoredObject | null> {
    const path = this.pathOf(namespace, sha256);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return null;
    }
  }

  async remove(namespace: string, sha256: string): Promise<void> {
    await rm(this.pathOf(namespace, sha256), { force: true });
  }
}
