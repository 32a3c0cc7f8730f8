import { createHash, type KeyObject } from 'node:crypto';
import { type FileHandle, open, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import {
  deviceHttpAuthorization,
  LOG_CHUNK_COUNT_HEADER,
  LOG_CHUNK_SHA256_HEADER,
  LOG_LIMITS,
  LOG_UPLOAD_PERMANENT_ERRORS,
  type LogManifest,
  type LogManifestFile,
  logUploadErrorCode,
  type LogUploadState,
  logUploadPaths,
} from '@fleetdesk/protocol';
import { errorMessage, type Logger } from '../log';
import { dataFile, MANIFEST, uploadsDir } from './collect';
import { type ChunkRequest, Permanent, Unsendable, type UploadTransport } from './transport';

export const gzip = promisify(gzipCallback);
/** SHA-256 of bodies shared by simulate's virtual agents, computed once per body. */
const bodyHashes = new WeakMap<Buffer, string>();
const sha256Of = (body: Buffer): string => {
  let hash = bodyHashes.get(body);
  if (hash === undefined) {
    hash = createHash('sha256').update(body).digest('hex');
    bodyHashes.set(body, hash);
  }
  return hash;
};

/** A staged file opened on first read (a body found in simulate's cache needs none). */
class StagedFile {
  private handle?: Promise<FileHandle>;
  constructor(private readonly path: string) {}
  read(): Promise<FileHandle> {
    return (this.handle ??= open(this.path, 'r'));
  }
  async close(): Promise<void> {
    await (await this.handle?.catch(() => undefined))?.close();
  }
}
/** The upload's gzip settings; the ingest benchmark's bare senders send the same bytes. */
export const GZIP = { level: 6 };

export interface UploaderOptions {
  stateDir: string;
  serverUrl: string;
  deviceId: string;
  privateKey: KeyObject;
  log: Logger;
  /** A pause between chunks: keeps a big bundle from filling the device's uplink. */
  paceMs?: number;
  fetchImpl?: typeof fetch;
  retry?: { minMs: number; maxMs: number };
  /**
   * A request's gzip body; `key` names its bytes (the file's SHA-256 and the byte range),
   * `read` reads them from the staged file. `simulate` shares one cache among its virtual
   * agents, which all send the same file: a body found there is neither read nor compressed
   * again, as the benchmark's bare senders hold theirs in memory.
   */
  gzip?: (key: string, read: () => Promise<Buffer>) => Promise<Buffer>;
  /**
   * Nothing is sent before this resolves (`simulate --hold-uploads`): the ingest benchmark
   * has every virtual agent staged first, then releases them together, as its bare senders
   * start with their bytes ready. The agent passes its first socket (SocketUploads.ready), so
   * bundles left from before a restart go over it.
   */
  released?: Promise<void>;
  /**
   * The agent's socket as a transport (SocketUploads.transport): used for each upload
   * attempt that finds it up with a protocol-7 server, HTTPS otherwise.
   */
  socket?: () => UploadTransport | null;
}

/**
 * Sends staged bundles to the server and forgets them only once it holds every chunk. Asks
 * first where each file stands (the server acknowledges a chunk only once it is stored),
 * so after a lost connection or a restart it continues with the next chunk: nothing is sent
 * twice for keeps, nothing is skipped. One bundle at a time; failures retry with backoff.
 */
export class LogUploader {
  private readonly queue: string[] = [];
  private running: Promise<void> | null = null;
  private closed = false;
  private wake: (() => void) | null = null;
  private sleepTimer: NodeJS.Timeout | null = null;

  private readonly http: UploadTransport = {
    name: 'http',
    manifest: async (runId, manifest) =>
      (await this.request('POST', logUploadPaths.manifest(runId), JSON.stringify(manifest), {
        'content-type': 'application/json',
      })) as LogUploadState,
    chunk: async (r: ChunkRequest) =>
      (await this.request('PUT', logUploadPaths.chunk(r.runId, r.index, r.seq), r.body, {
        'content-type': 'application/octet-stream',
        [LOG_CHUNK_SHA256_HEADER]: r.sha256,
        ...(r.count > 1 ? { [LOG_CHUNK_COUNT_HEADER]: String(r.count) } : {}),
      })) as { nextSeq: number },
  };

  constructor(private readonly options: UploaderOptions) {}

  /** Picks up what an earlier process staged and did not finish. */
  async start(): Promise<void> {
    const dir = uploadsDir(this.options.stateDir);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const complete = await readFile(join(dir, name, MANIFEST), 'utf8').then(
        () => true,
        () => false,
      );
      // Without a manifest the collection never finished: its run was reported interrupted.
      if (complete) this.enqueue(name);
      else await rm(join(dir, name), { recursive: true, force: true });
    }
  }

  enqueue(runId: string): void {
    if (this.closed || this.queue.includes(runId)) return;
    this.queue.push(runId);
    this.running ??= this.loop().finally(() => (this.running = null));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.running;
  }

  private async loop(): Promise<void> {
    const retry = this.options.retry ?? { minMs: 1000, maxMs: 60_000 };
    let delay = retry.minMs;
    // close() wakes this wait too, so a held uploader can still be stopped.
    if (this.options.released) {
      await Promise.race([this.options.released, new Promise<void>((r) => (this.wake = r))]);
    }
    while (!this.closed && this.queue.length > 0) {
      const runId = this.queue[0];
      try {
        await this.upload(runId);
        await this.forget(runId);
        delay = retry.minMs;
      } catch (err) {
        if (this.closed) return;
        if (err instanceof Permanent) {
          this.options.log.warn(`log bundle of run ${runId} dropped: ${err.message}`);
          await this.forget(runId);
          continue;
        }
        this.options.log.warn(
          `log upload of run ${runId} paused: ${errorMessage(err)}; retrying in ${Math.round(delay / 1000)} s`,
          'log upload failed',
        );
        // Full jitter, like the socket's reconnects: many agents do not return at once.
        await this.sleep(Math.random() * delay);
        delay = Math.min(retry.maxMs, delay * 2);
      }
    }
  }

  /**
   * Compresses a staged bundle's requests ahead of the upload, as many chunks a request as the
   * server may offer, through `gzip` (simulate's shared cache keeps the result; the upload
   * then finds it there). Without a cache this only costs time.
   */
  async prepare(runId: string): Promise<void> {
    const dir = join(uploadsDir(this.options.stateDir), runId);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as LogManifest;
    for (const file of manifest.files) {
      const staged = new StagedFile(dataFile(dir, file.index));
      try {
        for (let next = 0; next < file.chunks; next += LOG_LIMITS.chunksPerRequest) {
          const count = Math.min(LOG_LIMITS.chunksPerRequest, file.chunks - next);
          await this.body(staged, file, next, count);
        }
      } finally {
        await staged.close();
      }
    }
  }

  /** The gzip body of `count` chunks of a staged file from chunk `next`. */
  private async body(
    staged: StagedFile,
    file: LogManifestFile,
    next: number,
    count: number,
  ): Promise<Buffer> {
    const start = next * LOG_LIMITS.chunkBytes;
    const length = Math.max(0, Math.min(count * LOG_LIMITS.chunkBytes, file.size - start));
    const read = async () => {
      const handle = await staged.read();
      // Filled by the read below (a short read is an error): no need to zero it first.
      const raw = Buffer.allocUnsafe(length);
      for (let got = 0; got < length;) {
        const { bytesRead } = await handle.read(raw, got, length - got, start + got);
        if (bytesRead === 0)
          throw new Error(`the staged file ${file.index} is shorter than its manifest says`);
        got += bytesRead;
      }
      return raw;
    };
    return this.options.gzip
      ? this.options.gzip(`${file.sha256}:${start}:${length}`, read)
      : gzip(await read(), GZIP);
  }

  private async forget(runId: string): Promise<void> {
    this.queue.shift();
    await rm(join(uploadsDir(this.options.stateDir), runId), { recursive: true, force: true });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }

  private async upload(runId: string): Promise<void> {
    const dir = join(uploadsDir(this.options.stateDir), runId);
    const manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as LogManifest;
    // Chosen per attempt: a socket that drops fails this attempt, and the retry takes
    // whatever is there then (the next socket, or HTTPS); the server's answer says where
    // each file stands either way.
    let transport = this.options.socket?.() ?? this.http;
    let state: LogUploadState;
    try {
      state = await transport.manifest(runId, manifest);
    } catch (err) {
      if (!(err instanceof Unsendable)) throw err;
      transport = this.http;
      state = await transport.manifest(runId, manifest);
    }
    if (state.complete) return this.sent(runId, transport);
    // A server that says nothing about it takes one chunk a request.
    const perRequest = Math.max(
      1,
      Math.min(LOG_LIMITS.chunksPerRequest, Math.floor(Number(state.chunksPerRequest)) || 1),
    );
    for (const file of manifest.files) {
      let next = state.files.find((f) => f.index === file.index)?.nextSeq ?? 0;
      if (next >= file.chunks) continue;
      const staged = new StagedFile(dataFile(dir, file.index));
      try {
        while (next < file.chunks) {
          if (this.closed) throw new Error('the agent is stopping');
          const count = Math.min(perRequest, file.chunks - next);
          const body = await this.body(staged, file, next, count);
          const answer = await transport.chunk({
            runId,
            index: file.index,
            seq: next,
            count,
            sha256: sha256Of(body),
            body,
          });
          // The server says which chunk it wants next: normally this one + 1.
          next = answer.nextSeq;
          if (this.options.paceMs) await this.sleep(this.options.paceMs);
        }
      } finally {
        await staged.close();
      }
    }
    this.sent(runId, transport);
  }

  private sent(runId: string, transport: UploadTransport): void {
    this.options.log.info(
      `log bundle of run ${runId} uploaded over ${transport.name === 'socket' ? 'the socket' : 'HTTP'}`,
    );
  }

  private async request(
    method: string,
    path: string,
    body: string | Buffer,
    headers: Record<string, string>,
  ): Promise<unknown> {
    const authorization = deviceHttpAuthorization(this.options.privateKey, {
      deviceId: this.options.deviceId,
      method,
      path,
      at: Date.now(),
    });
    const url = new URL(path, this.options.serverUrl).toString();
    const response = await (this.options.fetchImpl ?? fetch)(url, {
      method,
      headers: { ...headers, authorization },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    if (response.ok || response.status === 409) return JSON.parse(text) as unknown;
    const why = `${method} ${path}: ${response.status} ${text.slice(0, 300)}`;
    // 404 (no such run here), 400/413/422 (refused as sent): sending again changes nothing,
    // as for the same answers over the socket.
    if (LOG_UPLOAD_PERMANENT_ERRORS.includes(logUploadErrorCode(response.status))) {
      throw new Permanent(why);
    }
    throw new Error(why);
  }
}
