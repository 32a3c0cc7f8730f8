import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DiskObjectStore } from './disk-object-store';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const readAll = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
};

describe('DiskObjectStore.putFile and ranged reads', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'fleetdesk-disk-store-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('moves a checked file into place, refusing one of another size', async () => {
    const store = new DiskObjectStore(root);
    const bytes = randomBytes(4000);
    const file = join(root, 'assembled');
    await writeFile(file, bytes);
    await expect(store.putFile('logs', file, sha(bytes), 3999)).rejects.toThrow(/not 3999/);
    await expect(stat(join(root, 'logs'))).rejects.toThrow(/ENOENT/);
    await store.putFile('logs', file, sha(bytes), 4000);
    expect(await readdir(join(root, 'logs', 'blobs'))).toEqual([sha(bytes)]);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    const whole = await store.open('logs', sha(bytes));
    expect(whole?.size).toBe(4000);
    expect(await readAll(whole!.stream)).toEqual(bytes);
  });

  it('reads inclusive ranges, cut at the end, empty past it', async () => {
    const store = new DiskObjectStore(root);
    const bytes = randomBytes(1000);
    const { sha256 } = await store.put('logs', Readable.from([bytes]), 2000);
    const part = await store.open('logs', sha256, { start: 100, end: 199 });
    expect(part?.size).toBe(100);
    expect(await readAll(part!.stream)).toEqual(bytes.subarray(100, 200));
    const tail = await store.open('logs', sha256, { start: 990, end: 5000 });
    expect(tail?.size).toBe(10);
    expect(await readAll(tail!.stream)).toEqual(bytes.subarray(990));
    const past = await store.open('logs', sha256, { start: 1000, end: 1100 });
    expect(past?.size).toBe(0);
    expect(await readAll(past!.stream)).toEqual(Buffer.alloc(0));
    await expect(store.open('logs', sha256, { start: -1, end: 3 })).rejects.toThrow(/byte range/);
    expect(await store.open('logs', sha(Buffer.from('x')), { start: 0, end: 1 })).toBeNull();
  });
});
