import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import {
  type ByteRange,
  checkSha256,
  isSha256,
  type ObjectStore,
  type StoredObject,
} from '../object-store/object-store';

export const LOG_BLOB_STORE = Symbol('LOG_BLOB_STORE');

/** The object store's namespace for collected logs and fetched or pushed files. */
export const LOG_OBJECTS = 'logs';

/** What `openCollected` needs of a log_bundle_file row. */
export interface CollectedFile {
  sha256: string;
  size: number;
  storedSha256: string | null;
  storedBytes: number;
  encoding: 'identity' | 'gzip';
}

/** The SHA-256 and length of a stream's bytes. */
export async function hashStream(
  source: AsyncIterable<Buffer>,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The bytes of a file the database says is stored are in neither place. */
export class LogBlobMissingError extends Error {
  constructor(readonly sha256: string) {
    super(`the stored file ${sha256} is missing from the object store`);
  }
}

/**
 * Collected files, named by their SHA-256: the same log sent by two devices is stored once,
 * and a file's name proves its content. Uploads in progress grow on the receiving node's
 * disk in `<root>/partial/`; once the whole file hashes to what the device announced, it goes
 * into the object store (namespace `logs`: a bucket when S3_BUCKET is set, else
 * DATA_DIR/logs/blobs), so with a bucket every node can serve it.
 *
 * Before the object store, completed files stayed in `<root>/blobs/ab/abcdef…`. Such a
 * "legacy" file is still read, and is moved into the store by the retention service at start
 * (see LogRetentionService.moveLegacy). The database says which blobs exist and who uses them
 * (log_blob, log_bundle_file); this class only moves bytes.
 */
export class BlobStore {
  private partialDir?: Promise<unknown>;

  constructor(
    private readonly root: string,
    private readonly objects: ObjectStore,
  ) {}

  /** Where completed files go: `disk` (DATA_DIR/logs/blobs) or `s3`. */
  get kind(): 'disk' | 's3' {
    return this.objects.kind;
  }

  private legacyDir(): string {
    return join(this.root, 'blobs');
  }

  private legacyPath(sha256: string): string {
    checkSha256(sha256);
    return join(this.legacyDir(), sha256.slice(0, 2), sha256);
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

  hashOf(path: string): Promise<{ sha256: string; size: number }> {
    return hashStream(createReadStream(path));
  }

  /**
   * Puts a verified partial file into the object store (replacing an identical copy, if
   * any); the partial file is gone afterwards.
   */
  async commit(partial: string, sha256: string): Promise<void> {
    const { size } = await stat(partial);
    await this.objects.putFile(LOG_OBJECTS, partial, sha256, size);
    await rm(partial, { force: true });
  }

  /**
   * A stored file's bytes (or `range` of them, inclusive offsets), streamed from wherever
   * they are: the object store, else the legacy folder. The store is asked again after the
   * legacy folder, since a file may move between the two looks.
   */
  async open(sha256: string, range?: ByteRange): Promise<StoredObject> {
    const found =
      (await this.objects.open(LOG_OBJECTS, sha256, range)) ??
      (await this.openLegacy(sha256, range)) ??
      (await this.objects.open(LOG_OBJECTS, sha256, range));
    if (!found) throw new LogBlobMissingError(sha256);
    return found;
  }

  private async openLegacy(sha256: string, range?: ByteRange): Promise<StoredObject | null> {
    const path = this.legacyPath(sha256);
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

  /**
   * The gzip a collected file is kept as, unopened; it must hold the `storedBytes` the upload
   * wrote, or it is reported missing.
   */
  async openStored(file: CollectedFile & { storedSha256: string }): Promise<StoredObject> {
    const stored = await this.open(file.storedSha256);
    if (stored.size !== file.storedBytes) {
      stored.stream.destroy();
      throw new LogBlobMissingError(file.storedSha256);
    }
    return stored;
  }

  /**
   * A collected file's own bytes: unzipped on the way when it is kept as the gzip it came in
   * (`encoding` gzip, under `storedSha256`, checked by openStored). `size` is then the
   * file's size.
   */
  async openCollected(file: CollectedFile): Promise<StoredObject> {
    if (file.encoding !== 'gzip' || !file.storedSha256) return this.open(file.sha256);
    const stored = await this.openStored({ ...file, storedSha256: file.storedSha256 });
    const raw = createGunzip();
    // Errors either way end both: a reader that stops early closes the object's stream.
    pipeline(stored.stream, raw).catch(() => undefined);
    return { stream: raw, size: file.size };
  }

  /** Removes a file from the store and from the legacy folder; a missing one is no error. */
  async remove(sha256: string): Promise<void> {
    await this.objects.remove(LOG_OBJECTS, sha256);
    await rm(this.legacyPath(sha256), { force: true });
  }

  /** The hashes of files still in the legacy folder (none on a server that began with the store). */
  async legacyHashes(): Promise<string[]> {
    const out: string[] = [];
    const dirs = await readdir(this.legacyDir()).catch(() => [] as string[]);
    for (const dir of dirs.sort()) {
      if (!/^[0-9a-f]{2}$/.test(dir)) continue;
      const names = await readdir(join(this.legacyDir(), dir)).catch(() => [] as string[]);
      out.push(...names.filter((n) => isSha256(n) && n.startsWith(dir)));
    }
    return out;
  }

  /**
   * Moves one legacy file into the object store (`keep`), or just deletes it (no bundle or
   * upload uses it); false when it was not there. The caller holds the file's log_blob row
   * lock, as the sweep does.
   */
  async moveLegacy(sha256: string, keep: boolean): Promise<boolean> {
    const path = this.legacyPath(sha256);
    const size = await stat(path).then(
      (s) => s.size,
      () => null,
    );
    if (size === null) return false;
    if (keep) await this.objects.putFile(LOG_OBJECTS, path, sha256, size);
    await rm(path, { force: true });
    // The two-letter folder and then `blobs/` go once empty; a non-empty one stays.
    await rmdir(join(this.legacyDir(), sha256.slice(0, 2))).catch(() => undefined);
    await rmdir(this.legacyDir()).catch(() => undefined);
    return true;
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
