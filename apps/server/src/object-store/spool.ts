import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { ObjectTooLargeError, ObjectTruncatedError } from './object-store';

/**
 * Streams `source` into a new file in `dir` (mode 0600), hashing and counting as it goes, and
 * stops writing at `maxBytes`: a too-large upload never gets further than the limit onto the
 * disk. On any failure the file is removed and the error thrown (ObjectTooLargeError past the
 * limit, after the rest of the body was read and dropped). The caller owns the file after.
 */
export async function spool(
  source: Readable,
  dir: string,
  maxBytes: number,
): Promise<{ path: string; sha256: string; size: number }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `.upload-${randomUUID()}`);
  const hash = createHash('sha256');
  let size = 0;
  let tooLarge = false;
  const out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
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
        if (size > maxBytes) {
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
        if (!ended) onError(new ObjectTruncatedError());
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
    await rm(path, { force: true });
    throw err;
  }
  if (tooLarge) {
    await rm(path, { force: true });
    throw new ObjectTooLargeError(maxBytes);
  }
  return { path, sha256: hash.digest('hex'), size };
}
