import { createHash, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  type ErrorCode,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
  parseFrame,
  parseLogChunkFrame,
} from '@fleetdesk/protocol';
import type { Session, SessionHandle } from '../connection';
import { silentLogger } from '../log';
import { dataFile, MANIFEST, uploadsDir } from './collect';
import { SocketUploads } from './transport';
import { LogUploader } from './uploader';

const C = LOG_LIMITS.chunkBytes;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * One fake server reached two ways, keeping one file as the real one does (a request is taken
 * only if it starts at the chunk the file wants next): over a fake socket session, and over
 * fetch. Says which way each request came.
 */
function fakeServer(chunks: number) {
  let next = 0;
  const stored: Buffer[] = [];
  const log: string[] = [];
  let refuseNext: ErrorCode | undefined;
  let dropAfterAcks = Infinity;
  const take = (seq: number, count: number, raw: Buffer) => {
    if (seq === next) {
      stored.push(raw);
      next = seq + count;
    }
    return { nextSeq: next, complete: next === chunks };
  };
  const state = () => ({
    complete: next === chunks,
    files: [{ index: 0, nextSeq: next }],
    chunksPerRequest: LOG_LIMITS.chunksPerRequest,
  });

  let handle: SessionHandle | null = null;
  const session = (version = 7): Session => {
    let open = true;
    const answer = (message: Parameters<NonNullable<SessionHandle['onUploadReply']>>[0]) =>
      setImmediate(() => open && handle?.onUploadReply?.(message));
    return {
      deviceId: randomUUID(),
      heartbeatIntervalMs: 30_000,
      protocolVersion: version,
      send: () => open,
      sendFrame: (frame) => {
        const parsed = parseFrame(frame, { from: 'agent' });
        if (!open || !parsed.ok || parsed.message.type !== 'log_manifest') return open;
        log.push('socket manifest');
        answer({
          v: 7,
          type: 'log_upload_state',
          id: randomUUID(),
          ts: Date.now(),
          body: { ...state(), refId: parsed.message.id },
        });
        return true;
      },
      sendBinary: (frame) => {
        if (!open) return false;
        const parsed = parseLogChunkFrame(frame);
        if (!parsed.ok) throw new Error(parsed.message);
        const { header, body } = parsed;
        expect(header.sha256).toBe(sha(body));
        log.push(`socket ${header.seq}+${header.count}`);
        const base = { v: 7 as const, id: randomUUID(), ts: Date.now() };
        if (refuseNext) {
          const code = refuseNext;
          refuseNext = undefined;
          answer({ ...base, type: 'error', body: { code, message: 'no', refId: header.id } });
          return true;
        }
        const ack = take(header.seq, header.count, gunzipSync(body));
        if (dropAfterAcks-- <= 0) {
          // The socket goes before the answer arrives: what waits on it fails.
          open = false;
          setImmediate(() => handle?.close());
          return true;
        }
        answer({ ...base, type: 'log_chunk_ack', body: { ...ack, refId: header.id } });
        return true;
      },
    };
  };
  const fetchImpl = ((url: string | URL, init?: RequestInit): Promise<Response> => {
    if (init?.method === 'POST') {
      log.push('http manifest');
      return Promise.resolve(new Response(JSON.stringify(state())));
    }
    const seq = Number(/chunks\/(\d+)$/.exec(String(url))![1]);
    const count = Number((init?.headers as Record<string, string>)['x-fleetdesk-chunk-count'] ?? 1);
    log.push(`http ${seq}+${count}`);
    const ack = take(seq, count, gunzipSync(init?.body as Buffer));
    return Promise.resolve(new Response(JSON.stringify(ack)));
  }) as typeof fetch;
  return {
    fetchImpl,
    log,
    stored: () => Buffer.concat(stored),
    connect(uploads: SocketUploads, version = 7) {
      handle = uploads.attach(session(version));
    },
    refuse(code: ErrorCode) {
      refuseNext = code;
    },
    dropAfter(acks: number) {
      dropAfterAcks = acks;
    },
  };
}

describe('log uploads over the socket', () => {
  let stateDir: string;
  const { privateKey } = generateKeyPairSync('ed25519');

  beforeEach(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'fleetdesk-transport-'));
  });
  afterEach(async () => {
    await rm(stateDir, { recursive: true, force: true });
  });

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

  /** Uploads one staged file; resolves once it is forgotten (or after ~5 s). */
  async function upload(
    file: Buffer,
    server: ReturnType<typeof fakeServer>,
    uploads: SocketUploads,
  ) {
    const uploader = new LogUploader({
      stateDir,
      serverUrl: 'http://server.invalid',
      deviceId: randomUUID(),
      privateKey,
      log: silentLogger,
      fetchImpl: server.fetchImpl,
      retry: { minMs: 1, maxMs: 1 },
      socket: () => uploads.transport(),
    });
    uploader.enqueue(await stage(file));
    for (let i = 0; i < 500; i++) {
      if ((await readdir(uploadsDir(stateDir))).length === 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    await uploader.close();
    expect(await readdir(uploadsDir(stateDir))).toEqual([]);
  }

  it('sends the manifest and every request over a protocol-7 socket, nothing over HTTP', async () => {
    const file = randomBytes(9 * C + 7);
    const server = fakeServer(10);
    const uploads = new SocketUploads();
    server.connect(uploads);
    await upload(file, server, uploads);
    expect(server.log).toEqual(['socket manifest', 'socket 0+4', 'socket 4+4', 'socket 8+2']);
    expect(server.stored().equals(file)).toBe(true);
  });

  it('uses HTTP when the server answered the handshake in an older version, or no socket is up', async () => {
    const file = randomBytes(C + 1);
    const server = fakeServer(2);
    const uploads = new SocketUploads();
    server.connect(uploads, 6);
    await upload(file, server, uploads);
    expect(server.log).toEqual(['http manifest', 'http 0+2']);
    expect(server.stored().equals(file)).toBe(true);
  });

  it('resumes over HTTP when the socket drops mid-upload: nothing missing, nothing twice', async () => {
    const file = randomBytes(13 * C + 99);
    const server = fakeServer(14);
    const uploads = new SocketUploads();
    server.connect(uploads);
    // The second request is stored but its answer never comes: the socket is gone.
    server.dropAfter(1);
    await upload(file, server, uploads);
    expect(server.log).toEqual([
      'socket manifest',
      'socket 0+4',
      'socket 4+4',
      'http manifest',
      'http 8+4',
      'http 12+2',
    ]);
    expect(server.stored().equals(file)).toBe(true);
  });

  it('retries a refusal that may pass later, drops the bundle on one that cannot', async () => {
    const file = randomBytes(C);
    let server = fakeServer(1);
    let uploads = new SocketUploads();
    server.connect(uploads);
    server.refuse('LOG_STORAGE_FULL');
    await upload(file, server, uploads);
    expect(server.log).toEqual(['socket manifest', 'socket 0+1', 'socket manifest', 'socket 0+1']);
    expect(server.stored().equals(file)).toBe(true);

    server = fakeServer(1);
    uploads = new SocketUploads();
    server.connect(uploads);
    server.refuse('LOG_UPLOAD_UNKNOWN_RUN');
    await upload(file, server, uploads);
    expect(server.log).toEqual(['socket manifest', 'socket 0+1']);
    expect(server.stored().length).toBe(0);
  });
});
