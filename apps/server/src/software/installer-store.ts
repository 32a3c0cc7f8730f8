import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InstallerTooLargeException } from './software.exceptions';

/**
 * Installers on disk, content-addressed: `<DATA_DIR>/software/blobs/<sha256>`. An upload is
 * streamed to a temporary file under the same folder (so the final rename is atomic), hashed
 * and counted as it arrives, and cut off at the size limit, so a too-large upload never gets
 * further than the limit onto the disk. No client-supplied name is ever part of a path.
 */
@Injectable()
export class InstallerStore {
  private readonly root: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.root = join(config.dataDir, 'software');
  }

  get maxBytes(): number {
    return this.config.softwareUploadMaxBytes;
  }

  private blobPath(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a SHA-256');
    return join(this.root, 'blobs', sha256);
  }

  /**
   * Stores what `source` sends; the hash and size of what was kept. Past the limit the file is
   * removed and the rest of the body is read and dropped (not stored), so the client still
   * gets the 413 instead of a reset connection.
   */
  async put(source: Readable): Promise<{ sha256: string; size: number }> {
    const max = this.maxBytes;
    await mkdir(join(this.root, 'blobs'), { recursive: true });
    const tmp = join(this.root, 'blobs', `.upload-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    let tooLarge = false;
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
    try {
      await new Promise<void>((resolve, reject) => {
        let ended = false;
        const cleanup = () => {
          source.off('data', onData);
          source.off('end', onEnd);
          source.off('error', onError);
          source.off('close', onClose);
          out.off('error', onError);
        };
        const onError = (err: Error) => {
          cleanup();
          reject(err);
        };
        const onData = (chunk: Buffer) => {
          size += chunk.length;
          if (size > max) {
            tooLarge = true;
            cleanup();
            source.resume();
            resolve();
            return;
          }
          hash.update(chunk);
          if (!out.write(chunk)) {
            source.pause();
            out.once('drain', () => source.resume());
          }
        };
        const onEnd = () => {
          ended = true;
          cleanup();
          resolve();
        };
        const onClose = () => {
          if (!ended) onError(new Error('the upload was cut off before its end'));
        };
        source.on('data', onData);
        source.once('end', onEnd);
        source.once('error', onError);
        source.once('close', onClose);
        out.once('error', onError);
      });
      await new Promise<void>((resolve, reject) =>
        out.end((err?: Error | null) => (err ? reject(err) : resolve())),
      );
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
    if (tooLarge) {
      await rm(tmp, { force: true });
      throw new InstallerTooLargeException(max);
    }
    const sha256 = hash.digest('hex');
    // Same bytes, same name: a second upload of one file replaces it with itself.
    await rename(tmp, this.blobPath(sha256));
    return { sha256, size };
  }

  /** The stored bytes, or null when they are gone. */
  async open(sha256: string): Promise<{ stream: ReadStream; size: number } | null> {
    const path = this.blobPath(sha256);
    try {
      const { size } = await stat(path);
      return { stream: createReadStream(path), size };
    } catch {
      return null;
    }
  }

  /** For tests and operators: where the bytes of `sha256` are. */
  pathOf(sha256: string): string {
    return this.blobPath(sha256);
  }
}
