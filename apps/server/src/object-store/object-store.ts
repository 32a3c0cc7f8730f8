import type { Readable } from 'node:stream';

/** A stored object as read back: its bytes and their count. */
export interface StoredObject {
  stream: Readable;
  size: number;
}

/** Inclusive byte offsets within an object, `start <= end`. */
export interface ByteRange {
  start: number;
  end: number;
}

/** An upload went past its limit; nothing of it was kept. */
export class ObjectTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`the object is larger than ${maxBytes} bytes`);
  }
}

/** The upload was cut off before its end; nothing of it was kept. */
export class ObjectTruncatedError extends Error {
  constructor() {
    super('the upload was cut off before its end');
  }
}

export const isSha256 = (value: string) => /^[0-9a-f]{64}$/.test(value);

/**
 * Content-addressed bytes, named by their SHA-256 within a namespace (one per feature, e.g.
 * `software`): the same bytes are stored once, and no client-supplied name is ever part of
 * where they go. The database of the feature that uses it says which objects exist and who
 * refers to them; the store only moves bytes. On disk under DATA_DIR by default, in an
 * S3-compatible bucket when S3_BUCKET is set (see ObjectStoreModule).
 */
export abstract class ObjectStore {
  /** Where the bytes go, for logs and the README's "which store" question. */
  abstract readonly kind: 'disk' | 's3';

  /**
   * Stores what `source` sends, hashing and counting it as it arrives. Past `maxBytes` it
   * throws ObjectTooLargeError and keeps nothing (the rest of the body is read and dropped,
   * so the client still gets an answer instead of a reset connection).
   */
  abstract put(
    namespace: string,
    source: Readable,
    maxBytes: number,
  ): Promise<{ sha256: string; size: number }>;

  /**
   * Stores a local file whose SHA-256 and size the caller has already checked (a resumable
   * upload assembled on this node), without copying it through the spool first. The file may
   * be moved into place (disk) or left where it is (S3): the caller removes it afterwards if
   * it is still there. A file that is not `size` bytes is refused and nothing is stored.
   */
  abstract putFile(namespace: string, path: string, sha256: string, size: number): Promise<void>;

  /**
   * The stored bytes, or null when there are none under that hash. With `range` (inclusive
   * byte offsets, as HTTP), only those bytes; `size` is then their count.
   */
  abstract open(namespace: string, sha256: string, range?: ByteRange): Promise<StoredObject | null>;

  /** Removes the object; removing one that is not there is not an error. */
  abstract remove(namespace: string, sha256: string): Promise<void>;
}

/** Namespaces are fixed names chosen by the code, never by a client. */
export function checkNamespace(namespace: string): void {
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(namespace)) throw new Error(`not a namespace: ${namespace}`);
}

export function checkSha256(sha256: string): void {
  if (!isSha256(sha256)) throw new Error('not a SHA-256');
}

export function checkRange(range: ByteRange | undefined): void {
  if (
    range &&
    !(
      Number.isSafeInteger(range.start) &&
      Number.isSafeInteger(range.end) &&
      range.start >= 0 &&
      range.end >= range.start
    )
  ) {
    throw new Error(`not a byte range: ${range.start}-${range.end}`);
  }
}
