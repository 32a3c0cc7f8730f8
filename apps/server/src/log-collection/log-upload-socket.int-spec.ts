import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import type { LogBundleResponse, RunResponse } from '@fleetdesk/api-types';
import {
  encodeLogChunkFrame,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
  MAX_LOG_CHUNK_FRAME_BYTES,
  type ServerMessage,
} from '@fleetdesk/protocol';
import { connectAgent, enroll, type Enrolled, TestAgent } from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { MAX_CHUNK_FRAMES_IN_FLIGHT } from './log-upload.socket';

const C = LOG_LIMITS.chunkBytes;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

type Reply = Extract<ServerMessage, { type: 'log_upload_state' | 'log_chunk_ack' | 'error' }>;

/**
 * Log uploads over the agent's socket (protocol 7), through the real gateway and store: the
 * manifest as a JSON frame, chunks as binary frames, answers naming each frame, refusals as
 * the HTTP path's statuses, and what an older or misbehaving socket gets.
 */
describe('log uploads over the agent socket (real app, real database)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let token: string;

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOG_LEVEL: 'error' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'socket uploads', maxUses: 50 })
        .expect(201)
    ).body.token as string;
    await request(server.url)
      .put('/api/log-collections/settings')
      .set('Authorization', admin)
      .send({ allow: ['/srv/**'] })
      .expect(200);
  }, 180_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  /** An enrolled device with a collection run of its own. */
  async function device(): Promise<{ enrolled: Enrolled; runId: string }> {
    const enrolled = await enroll(server.url, token);
    const job = await request(server.url)
      .post('/api/log-collections')
      .set('Authorization', admin)
      .send({
        target: { deviceIds: [enrolled.deviceId] },
        sources: [{ type: 'file', path: '/srv/app.log' }],
      })
      .expect(201);
    const runs = (
      await request(server.url)
        .get(`/api/jobs/${job.body.id as string}/runs`)
        .set('Authorization', admin)
        .expect(200)
    ).body.items as RunResponse[];
    return { enrolled, runId: runs[0].id };
  }

  const manifestOf = (runId: string, file: Buffer): LogManifest => ({
    runId,
    files: [
      {
        index: 0,
        source: 0,
        path: '/srv/app.log',
        realPath: '/srv/app.log',
        size: file.length,
        sha256: sha(file),
        chunks: logChunkCount(file.length),
        truncated: false,
      },
    ],
    refused: [],
    collectedAt: Date.now(),
  });

  /** The answer naming frame `id`. */
  async function answerTo(agent: TestAgent, id: string, timeoutMs = 10_000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = agent.received.find(
        (m): m is Reply =>
          (m.type === 'log_upload_state' || m.type === 'log_chunk_ack' || m.type === 'error') &&
          m.body.refId === id,
      );
      if (found) {
        agent.received.splice(agent.received.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no answer to ${id} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  let frames = 0;
  function sendChunk(
    agent: TestAgent,
    runId: string,
    file: Buffer,
    seq: number,
    count = 1,
    change: { body?: Buffer; sha256?: string } = {},
  ): string {
    const body = change.body ?? gzipSync(file.subarray(seq * C, (seq + count) * C));
    const id = `chunk-frame-${String(frames++).padStart(6, '0')}`;
    agent.sendRaw(
      encodeLogChunkFrame(
        { id, runId, index: 0, seq, count, sha256: change.sha256 ?? sha(body) },
        body,
      ),
    );
    return id;
  }

  /** The run's bundle; once received, as the verifier leaves it (complete or failed). */
  async function bundleOf(runId: string): Promise<LogBundleResponse | undefined> {
    for (const until = Date.now() + 20_000; ;) {
      const res = await request(server.url)
        .get(`/api/log-bundles?runId=${runId}`)
        .set('Authorization', admin)
        .expect(200);
      const b = (res.body as LogBundleResponse[])[0];
      if (!b || b.status !== 'uploading' || b.receivedAt === null || Date.now() > until) return b;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function download(b: LogBundleResponse): Promise<Buffer> {
    const res = await request(server.url)
      .get(`/api/log-bundles/${b.id}/files/0`)
      .set('Authorization', admin)
      .buffer(true)
      .parse((r, cb) => {
        const parts: Buffer[] = [];
        r.on('data', (p: Buffer) => parts.push(p));
        r.on('end', () => cb(null, Buffer.concat(parts)));
      })
      .expect(200);
    return res.body as Buffer;
  }

  it('stores a bundle sent over the socket byte-identical, four chunks a frame past 1 MiB', async () => {
    const { enrolled, runId } = await device();
    const agent = await connectAgent(server.url, enrolled, 7);
    // Random bytes do not compress: the first frame carries over 1 MiB of gzip.
    const file = randomBytes(5 * C + 777);
    const manifestId = agent.send('log_manifest', { runId, manifest: manifestOf(runId, file) });
    const state = await answerTo(agent, manifestId);
    expect(state).toMatchObject({
      type: 'log_upload_state',
      body: {
        complete: false,
        files: [{ index: 0, nextSeq: 0 }],
        chunksPerRequest: LOG_LIMITS.chunksPerRequest,
      },
    });
    const first = await answerTo(agent, sendChunk(agent, runId, file, 0, 4));
    expect(first).toMatchObject({ type: 'log_chunk_ack', body: { nextSeq: 4, complete: false } });
    // Again (a retry after a lost answer): nothing moves.
    const again = await answerTo(agent, sendChunk(agent, runId, file, 0, 1));
    expect(again).toMatchObject({ type: 'log_chunk_ack', body: { nextSeq: 4, complete: false } });
    const last = await answerTo(agent, sendChunk(agent, runId, file, 4, 2));
    expect(last).toMatchObject({ type: 'log_chunk_ack', body: { nextSeq: 6, complete: true } });
    const b = await bundleOf(runId);
    expect(b).toMatchObject({ status: 'complete', receivedBytes: file.length });
    expect(sha(await download(b!))).toBe(sha(file));
    // The manifest again: where the bundle stands.
    const done = await answerTo(
      agent,
      agent.send('log_manifest', { runId, manifest: manifestOf(runId, file) }),
    );
    expect(done).toMatchObject({ type: 'log_upload_state', body: { complete: true } });
    agent.close();
  }, 60_000);

  it('refuses as the HTTP routes do, with codes the uploader tells apart', async () => {
    const { enrolled, runId } = await device();
    const other = await device();
    const agent = await connectAgent(server.url, enrolled, 7);
    const file = randomBytes(C + 10);
    const errorOf = async (id: string) => {
      const reply = await answerTo(agent, id);
      if (reply.type !== 'error') throw new Error(`expected an error, got ${reply.type}`);
      return reply.body;
    };
    // Another device's run: unknown here (404).
    expect(
      await errorOf(
        agent.send('log_manifest', {
          runId: other.runId,
          manifest: manifestOf(other.runId, file),
        }),
      ),
    ).toMatchObject({ code: 'LOG_UPLOAD_UNKNOWN_RUN' });
    // A manifest naming another run than its message (422).
    expect(
      await errorOf(agent.send('log_manifest', { runId, manifest: manifestOf(other.runId, file) })),
    ).toMatchObject({ code: 'LOG_UPLOAD_INVALID' });
    await answerTo(agent, agent.send('log_manifest', { runId, manifest: manifestOf(runId, file) }));
    // A body that does not match its SHA-256 (400), and one that is not gzip (400).
    expect(
      await errorOf(sendChunk(agent, runId, file, 0, 1, { sha256: 'f'.repeat(64) })),
    ).toMatchObject({ code: 'LOG_UPLOAD_INVALID', message: expect.stringMatching(/SHA-256/) });
    expect(
      await errorOf(sendChunk(agent, runId, file, 0, 1, { body: Buffer.from('not gzip') })),
    ).toMatchObject({ code: 'LOG_UPLOAD_INVALID' });
    // A chunk of a run not its device's.
    expect(await errorOf(sendChunk(agent, other.runId, file, 0))).toMatchObject({
      code: 'LOG_UPLOAD_UNKNOWN_RUN',
    });
    // A header the protocol refuses: answered by its id, nothing stored.
    const bad = Buffer.from(
      JSON.stringify({ type: 'log_chunk', id: 'bad-header-000001', seq: 'x' }),
    );
    const length = Buffer.alloc(2);
    length.writeUInt16BE(bad.length);
    agent.sendRaw(Buffer.concat([length, bad, Buffer.from('body')]));
    expect(await errorOf('bad-header-000001')).toMatchObject({ code: 'INVALID_BODY' });
    expect((await bundleOf(runId))?.receivedBytes).toBe(0);
    // The socket is still served.
    const ok = await answerTo(agent, sendChunk(agent, runId, file, 0));
    expect(ok).toMatchObject({ type: 'log_chunk_ack', body: { nextSeq: 1 } });
    agent.close();
  }, 60_000);

  it(`takes at most ${MAX_CHUNK_FRAMES_IN_FLIGHT} chunk frames of one socket at once`, async () => {
    const { enrolled, runId } = await device();
    const agent = await connectAgent(server.url, enrolled, 7);
    const file = randomBytes(2000);
    await answerTo(agent, agent.send('log_manifest', { runId, manifest: manifestOf(runId, file) }));
    // The same chunk many times in one go (a flood): some are refused, the chunk is stored once.
    const ids = Array.from({ length: 3 * MAX_CHUNK_FRAMES_IN_FLIGHT }, () =>
      sendChunk(agent, runId, file, 0),
    );
    const replies = await Promise.all(ids.map((id) => answerTo(agent, id)));
    const limited = replies.filter((r) => r.type === 'error' && r.body.code === 'RATE_LIMITED');
    const acked = replies.filter((r) => r.type === 'log_chunk_ack');
    expect(limited.length).toBeGreaterThan(0);
    expect(acked.length + limited.length).toBe(ids.length);
    const b = await bundleOf(runId);
    expect(b).toMatchObject({ status: 'complete', receivedBytes: file.length });
    expect(sha(await download(b!))).toBe(sha(file));
    agent.close();
  }, 60_000);

  it('answers upload frames only on protocol-7 sockets, and closes on a frame over the limit', async () => {
    const { enrolled, runId } = await device();
    const file = randomBytes(100);
    // A version-6 agent: binary frames are not part of its protocol, as before.
    const old = await connectAgent(server.url, enrolled, 6);
    sendChunk(old, runId, file, 0);
    expect((await old.next('error')).body.code).toBe('INVALID_JSON');
    // A version-7 frame on a version-6 socket: nothing to answer it with there.
    old.sendRaw(
      JSON.stringify({
        v: 7,
        type: 'log_manifest',
        id: 'v7-on-v6-00000001',
        ts: Date.now(),
        body: { runId, manifest: manifestOf(runId, file) },
      }),
    );
    expect((await old.next('error')).body).toMatchObject({
      code: 'UNEXPECTED_MESSAGE',
      refId: 'v7-on-v6-00000001',
    });
    old.close();
    await old.closed;
    const agent = await connectAgent(server.url, enrolled, 7);
    agent.sendRaw(Buffer.alloc(MAX_LOG_CHUNK_FRAME_BYTES + 1));
    expect((await agent.closed).code).toBe(1009);
    expect((await bundleOf(runId))?.receivedBytes ?? 0).toBe(0);
  }, 60_000);
});
