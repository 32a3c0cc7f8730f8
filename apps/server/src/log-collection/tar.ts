import type { Readable } from 'node:stream';

/**
 * A minimal POSIX ustar writer: a header block per file, the bytes, padding to 512. Names
 * are ours (`<device>/<n>-<basename>`), kept under 100 bytes, so no long-name extensions are
 * needed; anything longer is cut.
 */
export function tarHeader(name: string, size: number, mtime: Date): Buffer {
  const block = Buffer.alloc(512, 0);
  const put = (text: string, offset: number, length: number) =>
    block.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
  put(safeName(name), 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12);
  block.fill(' ', 148, 156);
  put('0', 156, 1);
  put('ustar\u000000', 257, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${octal(sum, 7)}\u0000 `, 148, 8);
  return block;
}

export const tarPadding = (size: number): Buffer => Buffer.alloc((512 - (size % 512)) % 512, 0);
export const TAR_END = Buffer.alloc(1024, 0);

function safeName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._/-]/g, '_');
  while (Buffer.byteLength(out) > 99) out = out.slice(0, -1);
  return out;
}

export interface TarEntry {
  name: string;
  size: number;
  mtime: Date;
  open(): Readable;
}

/** Yields the archive's bytes one entry at a time, streaming each file's content. */
export async function* tarStream(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>) {
  for await (const entry of entries) {
    yield tarHeader(entry.name, entry.size, entry.mtime);
    let written = 0;
    for await (const chunk of entry.open() as AsyncIterable<Buffer>) {
      written += chunk.length;
      yield chunk;
    }
    if (written !== entry.size) throw new Error(`${entry.name} changed size while archived`);
    yield tarPadding(entry.size);
  }
  yield TAR_END;
}
