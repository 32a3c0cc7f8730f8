/**
 * A minimal POSIX ustar writer, shared by the server (bundle downloads) and the agent (a
 * fetched folder): a header block per entry, the bytes, padding to 512. A name longer than
 * 100 bytes is split at a `/` into ustar's 155-byte prefix and 100-byte name; characters
 * outside a safe set become `_`, and what still does not fit is cut.
 */
export interface TarHeaderOptions {
  mode?: number;
  /** A folder entry (type 5) has no bytes. */
  directory?: boolean;
}

export function tarHeader(
  name: string,
  size: number,
  mtime: Date,
  options: TarHeaderOptions = {},
): Buffer {
  const block = Buffer.alloc(512, 0);
  const put = (text: string, offset: number, length: number) =>
    block.write(text, offset, Math.min(length, Buffer.byteLength(text)), 'utf8');
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, '0');
  const { prefix, base } = splitName(safeName(name) + (options.directory ? '/' : ''));
  put(base, 0, 100);
  put(octal(options.mode ?? (options.directory ? 0o755 : 0o644), 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(options.directory ? 0 : size, 12), 124, 12);
  put(octal(Math.max(0, Math.floor(mtime.getTime() / 1000)), 12), 136, 12);
  block.fill(' ', 148, 156);
  put(options.directory ? '5' : '0', 156, 1);
  put('ustar\u000000', 257, 8);
  put(prefix, 345, 155);
  let sum = 0;
  for (const byte of block) sum += byte;
  put(`${octal(sum, 7)}\u0000 `, 148, 8);
  return block;
}

export const tarPadding = (size: number): Buffer => Buffer.alloc((512 - (size % 512)) % 512, 0);
export const TAR_END = Buffer.alloc(1024, 0);

function safeName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9._/ +@=-]/g, '_').replace(/^\/+/, '');
  while (Buffer.byteLength(out) > 254) out = out.slice(0, -1);
  return out;
}

function splitName(name: string): { prefix: string; base: string } {
  if (Buffer.byteLength(name) <= 99) return { prefix: '', base: name };
  // The last '/' that leaves at most 100 bytes of name and 155 of prefix.
  for (let i = name.length - 1; i > 0; i--) {
    if (name[i] !== '/') continue;
    const prefix = name.slice(0, i);
    const base = name.slice(i + 1);
    if (Buffer.byteLength(base) <= 99 && Buffer.byteLength(prefix) <= 155) return { prefix, base };
  }
  let base = name;
  while (Buffer.byteLength(base) > 99) base = base.slice(0, -1);
  return { prefix: '', base };
}
