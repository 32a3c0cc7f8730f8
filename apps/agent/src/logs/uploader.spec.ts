import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  LOG_CHUNK_COUNT_HEADER,
  LOG_CHUNK_SHA256_HEADER,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
} from '@fleetdesk/protocol';
import { silentLogger } from '../log';
import { dataFile, MANIFEST, uploadsDir } from './collect';
import { LogUploader } from './uploader';

const C = LOG_LIMITS.chunkBytes;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

interface Put {
  seq: number;
  count: number;
  raw: Buffer;
}

/**
 * A fake server (fetch) that keeps what it is sent as the real one does: a request is taken
 * only if it starts at the chunk the file wants next. `chunksPerRequest` is what its manifest
 * answer advertises (undefined: a server from before it, which says nothing).
 */
function fakeServer(chunks: number, chunksPerRequest?: number, startAt = 0) {
  let next = startAt;
  const stored: Buffer[] = [];
  const puts: Put[] = [];
  const fetchImpl = ((url: string | URL, init?: RequestInit): Promise<Response> => {
    const headers = init?.headers as Record<string, string>;
    if (init?.method === 'POST') {
      return Promise.resolve(
        new Response(
          JSON.stringify({
            complete: false,
            files: [{ index: 0, nextSeq: next }],
            ...(chunksPerRequest ? { chunksPerRequest } : {}),
          }),
        ),
      );
    }
    const seq = Number(/chunks\/(\d+)$/.exec(String(url))![1]);
    const body = init?.body as Buffer;
    expect(headers[LOG_CHUNK_SHA256_HEADER]).toBe(sha(body));
    const count = Number(headers[LOG_CHUNK_COUNT_HEADER] ?? '1');
    const raw = gunzipSync(body);
    puts.push({ seq, count, raw });
    if (seq === next) {
      stored.push(raw);
      next = seq + count;
    }
    return Promise.resolve(
      new Response(JSON.stringify({ nextSeq: next, complete: next === chunks })),
    );
  }) as typeof fetch;
  return { fetchImpl, puts, stored: () => Buffer.concat(stored), startAt };
}

describe('LogUploader', () => {
  let stateDir: string;
  const { privateKey } = generateKeyPairSync('ed25519');

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'fleetdesk-uploader-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

  /** A staged bundle of one file, as collect leaves it. */
  async function stage(file: Buffer): Promise<string> {
    const runId = randomUUID();
    const dir = join(uploadsDir(stateDir), runId);
    await mkdir(dir, { recursive: true });
    await writeFile(dataFile(dir, 0), file);
    const manifest: LogManifest = {
      runId,
      files: [
        {
          index: 0,
          source: 0,
          path: '/var/log/app.log',
          realPath: '/var/log/app.log',
          size: file.length,
          sha256: sha(file),
          chunks: logChunkCount(file.length),
          truncated: false,
        },
      ],
      refused: [],
      collectedAt: Date.now(),
    };
    await writeFile(join(dir, MANIFEST), JSON.stringify(manifest));
    return runId;
  }

  async function upload(file: Buffer, server: ReturnType<typeof fakeServer>) {
    const runId = await stage(file);
    const uploader = new LogUploader({
      stateDir,
      serverUrl: 'http://server.invalid',
      deviceId: randomUUID(),
      privateKey,
      log: silentLogger,
      fetchImpl: server.fetchImpl,
      retry: { minMs: 1, maxMs: 1 },
    });
    uploader.enqueue(runId);
    // Forgotten (the staged folder removed) once the server holds every chunk.
    for (let i = 0; i < 500; i++) {
      if ((await readdir(uploadsDir(stateDir))).length === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await uploader.close();
    expect(await readdir(uploadsDir(stateDir))).toEqual([]);
  }

  it('sends one chunk a request to a server that does not say it takes more', async () => {
    const file = randomBytes(3 * C + 5);
    const server = fakeServer(4);
    await upload(file, server);
    expect(server.puts.map((p) => [p.seq, p.count])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(server.stored().equals(file)).toBe(true);
  });

  it('sends as many chunks a request as the server takes, the last request short', async () => {
    const file = randomBytes(9 * C + 7);
    const server = fakeServer(10, 4);
    await upload(file, server);
    expect(server.puts.map((p) => [p.seq, p.count, p.raw.length])).toEqual([
      [0, 4, 4 * C],
      [4, 4, 4 * C],
      [8, 2, C + 7],
    ]);
    expect(server.stored().equals(file)).toBe(true);
  });

  it('resumes at the chunk the server wants next, sending nothing twice', async () => {
    const file = randomBytes(6 * C);
    // The server holds chunks 0..2 already (from before a disconnect).
    const server = fakeServer(6, 4, 3);
    await upload(file, server);
    expect(server.puts.map((p) => [p.seq, p.count])).toEqual([[3, 3]]);
    expect(Buffer.concat([file.subarray(0, 3 * C), server.stored()]).equals(file)).toBe(true);
  });

  it('never sends more chunks a request than the protocol allows, whatever the server says', async () => {
    const file = randomBytes(LOG_LIMITS.chunksPerRequest * C + C);
    const server = fakeServer(LOG_LIMITS.chunksPerRequest + 1, 1000);
    await upload(file, server);
    expect(server.puts.map((p) => p.count)).toEqual([LOG_LIMITS.chunksPerRequest, 1]);
  });

  it('held: compresses ahead through its gzip, sends nothing until released, then the same bytes', async () => {
    const file = randomBytes(5 * C + 11);
    const server = fakeServer(6, 4);
    const runId = await stage(file);
    const keys: string[] = [];
    const cache = new Map<string, Buffer>();
    let release!: () => void;
    const uploader = new LogUploader({
      stateDir,
      serverUrl: 'http://server.invalid',
      deviceId: randomUUID(),
      privateKey,
      log: silentLogger,
      fetchImpl: server.fetchImpl,
      retry: { minMs: 1, maxMs: 1 },
      released: new Promise<void>((r) => (release = r)),
      gzip: async (key, read) => {
        keys.push(key);
        if (!cache.has(key)) cache.set(key, gzipSync(await read()));
        return cache.get(key)!;
      },
    });
    await uploader.prepare(runId);
    const prepared = [...keys];
    expect(prepared).toHaveLength(2); // chunks 0..3, then 4..5
    uploader.enqueue(runId);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.puts).toEqual([]);
    release();
    for (let i = 0; i < 500 && (await readdir(uploadsDir(stateDir))).length > 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await uploader.close();
    // The upload asked for exactly the bodies prepared: each found ready in the cache.
    expect(keys.slice(prepared.length)).toEqual(prepared);
    expect(server.stored().equals(file)).toBe(true);
  });

  it('held and never released: close() still returns, nothing sent', async () => {
    const server = fakeServer(1, 4);
    const uploader = new LogUploader({
      stateDir,
      serverUrl: 'http://server.invalid',
      deviceId: randomUUID(),
      privateKey,
      log: silentLogger,
      fetchImpl: server.fetchImpl,
      released: new Promise<void>(() => undefined),
    });
    uploader.enqueue(await stage(randomBytes(100)));
    await uploader.close();
    expect(server.puts).toEqual([]);
  });
});
