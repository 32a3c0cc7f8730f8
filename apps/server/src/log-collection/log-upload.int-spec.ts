import { createHash, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import request from 'supertest';
import type { LogBundleResponse, RunResponse } from '@fleetdesk/api-types';
import {
  deviceHttpAuthorization,
  LOG_CHUNK_COUNT_HEADER,
  LOG_CHUNK_SHA256_HEADER,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
  type LogUploadState,
  logUploadPaths,
} from '@fleetdesk/protocol';
import { enroll, type Enrolled } from '../test-support/agent-client';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';

const C = LOG_LIMITS.chunkBytes;
const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The device side of an upload through the real routes: signed manifests and chunks from
 * several devices at once (so they share the group commit's transactions), one chunk or
 * several a request, duplicates, chunks from the future, bad chunks, and what is stored.
 */
describe('log upload chunks (real app, real database)', () => {
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
        .send({ name: 'uploads', maxUses: 50 })
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

  interface Device {
    enrolled: Enrolled;
    runId: string;
  }

  /** `n` devices, each with a collection run of its own (pending: they are offline). */
  async function devices(n: number): Promise<Device[]> {
    const enrolled = await Promise.all(Array.from({ length: n }, () => enroll(server.url, token)));
    const job = await request(server.url)
      .post('/api/log-collections')
      .set('Authorization', admin)
      .send({
        target: { deviceIds: enrolled.map((e) => e.deviceId) },
        sources: [{ type: 'file', path: '/srv/app.log' }],
      })
      .expect(201);
    const runs = (
      await request(server.url)
        .get(`/api/jobs/${job.body.id as string}/runs?pageSize=200`)
        .set('Authorization', admin)
        .expect(200)
    ).body.items as RunResponse[];
    return enrolled.map((e) => ({
      enrolled: e,
      runId: runs.find((r) => r.device.id === e.deviceId)!.id,
    }));
  }

  const signed = (d: Device, method: string, path: string) =>
    deviceHttpAuthorization(d.enrolled.keys.privateKey, {
      deviceId: d.enrolled.deviceId,
      method,
      path,
      at: Date.now(),
    });

  function manifestBody(d: Device, files: Buffer[], announced = files): LogManifest {
    return {
      runId: d.runId,
      files: files.map((f, index) => ({
        index,
        source: 0,
        path: `/srv/app-${index}.log`,
        realPath: `/srv/app-${index}.log`,
        size: f.length,
        sha256: sha(announced[index]),
        chunks: logChunkCount(f.length),
        truncated: false,
      })),
      refused: [],
      collectedAt: Date.now(),
    };
  }

  function postManifest(d: Device, body: LogManifest) {
    const path = logUploadPaths.manifest(d.runId);
    return request(server.url)
      .post(path)
      .set('Authorization', signed(d, 'POST', path))
      .send(body);
  }

  async function manifest(d: Device, files: Buffer[], announced = files) {
    const res = await postManifest(d, manifestBody(d, files, announced)).expect(200);
    return res.body as LogUploadState;
  }

  /** PUT chunks seq..seq+count-1 of `file` (or `raw` as their bytes). */
  function put(d: Device, file: Buffer, seq: number, count = 1, raw?: Buffer, index = 0) {
    const bytes = raw ?? file.subarray(seq * C, (seq + count) * C);
    const body = gzipSync(bytes);
    const path = logUploadPaths.chunk(d.runId, index, seq);
    const req = request(server.url)
      .put(path)
      .set('Authorization', signed(d, 'PUT', path))
      .set('content-type', 'application/octet-stream')
      .set(LOG_CHUNK_SHA256_HEADER, sha(body));
    if (count !== 1) void req.set(LOG_CHUNK_COUNT_HEADER, String(count));
    return req.send(body);
  }

  /** The device's bundle; once received, as the verifier leaves it (complete or failed). */
  async function bundle(d: Device): Promise<LogBundleResponse> {
    for (const until = Date.now() + 20_000; ;) {
      const res = await request(server.url)
        .get(`/api/log-bundles?runId=${d.runId}`)
        .set('Authorization', admin)
        .expect(200);
      const b = (res.body as LogBundleResponse[])[0];
      if (b.status !== 'uploading' || b.receivedAt === null || Date.now() > until) return b;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function download(b: LogBundleResponse, index = 0): Promise<Buffer> {
    const res = await request(server.url)
      .get(`/api/log-bundles/${b.id}/files/${index}`)
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

  const partialOf = (b: LogBundleResponse, index = 0) =>
    join(db.dataDir, 'log-store', 'partial', `${b.id}-${index}`);

  it('stores many devices’ chunks sent at once, one or several a request, byte-identical', async () => {
    const fleet = await devices(6);
    // 3 chunks and a bit: the last chunk is short.
    const files = fleet.map(() => randomBytes(3 * C + 1234));
    const states = await Promise.all(fleet.map((d, i) => manifest(d, [files[i]])));
    for (const s of states) {
      expect(s).toEqual({
        complete: false,
        files: [{ index: 0, nextSeq: 0 }],
        chunksPerRequest: LOG_LIMITS.chunksPerRequest,
      });
    }
    // The devices send one, two or four chunks a request (four of random bytes: a body past
    // 1 MiB); all in flight together, so
    // their chunks share transactions.
    await Promise.all(
      fleet.map(async (d, i) => {
        const per = [1, 2, 4][i % 3];
        for (let seq = 0; seq < 4; seq += per) {
          const answer = await put(d, files[i], seq, per).expect(200);
          expect(answer.body).toEqual({ nextSeq: seq + per, complete: seq + per === 4 });
        }
      }),
    );
    for (const [i, d] of fleet.entries()) {
      const b = await bundle(d);
      expect(b).toMatchObject({ status: 'complete', receivedBytes: files[i].length });
      expect(b.files[0]).toMatchObject({ complete: true, receivedBytes: files[i].length });
      expect(sha(await download(b))).toBe(sha(files[i]));
    }
  }, 120_000);

  it('takes only the chunk each file wants next: duplicates and future chunks change nothing', async () => {
    const [d] = await devices(1);
    const file = randomBytes(4 * C + 10);
    await manifest(d, [file]);
    // From the future: answered with where the file stands, nothing stored.
    expect((await put(d, file, 2).expect(200)).body).toEqual({ nextSeq: 0, complete: false });
    // The same chunk twice at once (a retry racing the first): stored once.
    const twice = await Promise.all([put(d, file, 0).expect(200), put(d, file, 0).expect(200)]);
    expect(twice.map((r) => (r.body as { nextSeq: number }).nextSeq)).toEqual([1, 1]);
    let b = await bundle(d);
    expect(b.receivedBytes).toBe(C);
    // Acknowledged means on disk: the partial file holds exactly the acknowledged bytes, as
    // the gzip they came in.
    expect(gunzipSync(await readFile(partialOf(b))).equals(file.subarray(0, C))).toBe(true);
    // An old chunk again: nothing moves.
    expect((await put(d, file, 0).expect(200)).body).toEqual({ nextSeq: 1, complete: false });
    // A count out of range is refused.
    const bad = await put(d, file, 1, LOG_LIMITS.chunksPerRequest + 1).expect(400);
    expect(bad.body.message).toMatch(/x-fleetdesk-chunk-count/);
    // Chunks 1..3 in one request, then the short last one.
    expect((await put(d, file, 1, 3).expect(200)).body).toEqual({ nextSeq: 4, complete: false });
    b = await bundle(d);
    expect(b.receivedBytes).toBe(4 * C);
    // Chunks running past the file's end are refused.
    const past = await put(d, file, 4, 2, file.subarray(4 * C)).expect(400);
    expect(past.body.message).toMatch(/run past the file's 5 chunks/);
    expect((await put(d, file, 4).expect(200)).body).toEqual({ nextSeq: 5, complete: true });
    b = await bundle(d);
    expect(b).toMatchObject({ status: 'complete', receivedBytes: file.length });
    expect(sha(await download(b))).toBe(sha(file));
    // The partial is gone once stored; chunks after that are answered as complete.
    await expect(stat(partialOf(b))).rejects.toThrow(/ENOENT/);
    expect((await put(d, file, 4).expect(200)).body).toEqual({ nextSeq: 5, complete: true });
  }, 60_000);

  it('fails one device’s bad chunks alone; the others sent with them are stored', async () => {
    const [good, shortChunk, notGzip, wrongRun, lying] = await devices(5);
    const files = [good, shortChunk, notGzip, wrongRun, lying].map(() => randomBytes(C + 99));
    await manifest(good, [files[0]]);
    await manifest(shortChunk, [files[1]]);
    await manifest(notGzip, [files[2]]);
    // This device announces a hash its bytes do not have.
    await manifest(lying, [files[4]], [randomBytes(C + 99)]);
    const path = logUploadPaths.chunk(notGzip.runId, 0, 0);
    const junk = Buffer.from('not gzip at all');
    const [ok, short, unzip, unknown, lie] = await Promise.all([
      put(good, files[0], 0),
      put(shortChunk, files[1], 0, 1, files[1].subarray(0, 1000)),
      request(server.url)
        .put(path)
        .set('Authorization', signed(notGzip, 'PUT', path))
        .set('content-type', 'application/octet-stream')
        .set(LOG_CHUNK_SHA256_HEADER, sha(junk))
        .send(junk),
      // A run of another device (the good one's): unknown to this one.
      (() => {
        const p = logUploadPaths.chunk(good.runId, 0, 0);
        const body = gzipSync(files[0].subarray(0, C));
        return request(server.url)
          .put(p)
          .set('Authorization', signed(wrongRun, 'PUT', p))
          .set('content-type', 'application/octet-stream')
          .set(LOG_CHUNK_SHA256_HEADER, sha(body))
          .send(body);
      })(),
      put(lying, files[4], 0, 2),
    ]);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ nextSeq: 1, complete: false });
    expect(short.status).toBe(400);
    expect(short.body.message).toMatch(/chunk 0 holds 1000 bytes; the manifest makes it 262144/);
    expect(unzip.status).toBe(400);
    expect(unzip.body.message).toMatch(/not gzip/);
    expect(unknown.status).toBe(404);
    // Stored (the device is done), then found not to match the manifest: the bundle fails,
    // with the reason.
    expect(lie.status).toBe(200);
    expect(lie.body).toEqual({ nextSeq: 2, complete: true });
    const lied = await bundle(lying);
    expect(lied.status).toBe('failed');
    expect(lied.error).toMatch(/file 0: stored 262243 bytes hashing to/);
    // Nothing of the refused chunks was kept; the good device goes on to the end.
    expect((await bundle(shortChunk)).receivedBytes).toBe(0);
    expect((await bundle(notGzip)).receivedBytes).toBe(0);
    expect((await put(good, files[0], 1).expect(200)).body).toEqual({
      nextSeq: 2,
      complete: true,
    });
    expect(sha(await download(await bundle(good)))).toBe(sha(files[0]));
    // The refused device sends its chunk right and is stored.
    await put(shortChunk, files[1], 0, 2).expect(200);
    expect(sha(await download(await bundle(shortChunk)))).toBe(sha(files[1]));
  }, 60_000);

  it('fails, once received, a bundle whose gzip is damaged or unzips past its announced size', async () => {
    const [damaged, longer] = await devices(2);
    const file = randomBytes(C);
    await manifest(damaged, [file]);
    await manifest(longer, [file]);
    // Header and trailer intact (so the request is taken), one byte of the deflate data flipped.
    const body = gzipSync(file);
    body[body.length >> 1] ^= 0xff;
    const path = logUploadPaths.chunk(damaged.runId, 0, 0);
    const taken = await request(server.url)
      .put(path)
      .set('Authorization', signed(damaged, 'PUT', path))
      .set('content-type', 'application/octet-stream')
      .set(LOG_CHUNK_SHA256_HEADER, sha(body))
      .send(body)
      .expect(200);
    expect(taken.body).toEqual({ nextSeq: 1, complete: true });
    // Two gzip members: the trailer read on arrival (the last member's) says one chunk.
    const half = gzipSync(Buffer.alloc(C, 'a'));
    const more = Buffer.concat([half, half]);
    const p2 = logUploadPaths.chunk(longer.runId, 0, 0);
    await request(server.url)
      .put(p2)
      .set('Authorization', signed(longer, 'PUT', p2))
      .set('content-type', 'application/octet-stream')
      .set(LOG_CHUNK_SHA256_HEADER, sha(more))
      .send(more)
      .expect(200);
    const [bd, bl] = [await bundle(damaged), await bundle(longer)];
    expect(bd).toMatchObject({ status: 'failed', completedAt: null });
    expect(bd.error).toMatch(/file 0: not valid gzip/);
    expect(bd.files[0].complete).toBe(false);
    expect(bl.status).toBe('failed');
    expect(bl.error).toMatch(/file 0: unzips to more than the 262144 bytes the agent announced/);
    // Neither is served.
    await request(server.url)
      .get(`/api/log-bundles/${bd.id}/files/0`)
      .set('Authorization', admin)
      .expect(409);
  }, 60_000);

  it('verifies a file too big to unzip in one piece as it streams it (over 32 MiB)', async () => {
    const [d] = await devices(1);
    // Compressible, so the requests stay small: 33 MiB of stamped lines.
    const line = (i: number) => `${String(i).padStart(8, '0')} INFO served the request\n`;
    const lines: string[] = [];
    for (let i = 0, size = 0; size < 33 * 1024 * 1024; i++) {
      lines.push(line(i));
      size += line(i).length;
    }
    const file = Buffer.from(lines.join(''));
    await manifest(d, [file]);
    const chunks = logChunkCount(file.length);
    for (let seq = 0; seq < chunks; seq += LOG_LIMITS.chunksPerRequest) {
      await put(d, file, seq, Math.min(LOG_LIMITS.chunksPerRequest, chunks - seq)).expect(200);
    }
    const b = await bundle(d);
    expect(b).toMatchObject({ status: 'complete', receivedBytes: file.length });
    expect(sha(await download(b))).toBe(sha(file));
  }, 120_000);

  it('stores an empty file (one empty chunk) and two devices sending the same bytes', async () => {
    const [a, b] = await devices(2);
    const same = randomBytes(2 * C);
    await manifest(a, [same, Buffer.alloc(0)]);
    await manifest(b, [same]);
    const [ra, rb] = await Promise.all([put(a, same, 0, 2), put(b, same, 0, 2)]);
    expect(ra.body).toEqual({ nextSeq: 2, complete: false });
    expect(rb.body).toEqual({ nextSeq: 2, complete: true });
    expect((await put(a, Buffer.alloc(0), 0, 1, Buffer.alloc(0), 1).expect(200)).body).toEqual({
      nextSeq: 1,
      complete: true,
    });
    const ba = await bundle(a);
    expect(ba.status).toBe('complete');
    expect(sha(await download(ba, 0))).toBe(sha(same));
    expect((await download(ba, 1)).length).toBe(0);
    expect(sha(await download(await bundle(b)))).toBe(sha(same));
  }, 60_000);

  it('decides manifests sent at once against the limits in turn, each bundle audited once', async () => {
    const [{ used }] = (await server.dataSource.query(
      `SELECT COALESCE(SUM("total_bytes"), 0)::bigint AS used FROM "log_bundle" WHERE "status" <> 'failed'`,
    )) as { used: string }[];
    await request(server.url)
      .put('/api/log-collections/settings')
      .set('Authorization', admin)
      .send({ maxBundleBytes: 3000, maxTotalBytes: Number(used) + 5000 })
      .expect(200);
    try {
      const [big, ...small] = await devices(4);
      const withRefusal = manifestBody(small[0], [randomBytes(2000)]);
      withRefusal.refused = [
        { source: 0, path: '/etc/shadow', reason: 'denied', message: 'denied by the deny-list' },
      ];
      const bodies = [
        manifestBody(big, [randomBytes(4000)]),
        withRefusal,
        ...small.slice(1).map((d) => manifestBody(d, [randomBytes(2000)])),
      ];
      const answers = await Promise.all([
        ...[big, ...small].map((d, i) => postManifest(d, bodies[i])),
        // The first small device's manifest again, racing itself.
        postManifest(small[0], withRefusal),
      ]);
      expect(answers[0].status).toBe(413);
      expect(answers[0].body.message).toMatch(/holds 4000 bytes, more than the 3000 allowed/);
      // Room for two of the three 2000-byte bundles; the refused one is told why.
      const smallStatuses = answers.slice(1, 4).map((a) => a.status);
      expect(smallStatuses.filter((st) => st === 200)).toHaveLength(2);
      expect(smallStatuses.filter((st) => st === 507)).toHaveLength(1);
      const refused = answers.slice(1, 4).find((a) => a.status === 507)!;
      expect(refused.body.message).toMatch(/would pass the .*-byte storage limit/);
      // The repeat got the same answer as the first, and made no second bundle.
      expect(answers[4].status).toBe(answers[1].status);
      const runIds = [big, ...small].map((d) => d.runId);
      const [{ n }] = (await server.dataSource.query(
        `SELECT count(*)::int AS n FROM "log_bundle" WHERE "run_id" = ANY($1::uuid[])`,
        [runIds],
      )) as { n: number }[];
      expect(n).toBe(2);
      const audited = (await server.dataSource.query(
        `SELECT "action", "details"->>'runId' AS "run" FROM "audit_event"
          WHERE "details"->>'runId' = ANY($1::text[]) ORDER BY "action"`,
        [runIds],
      )) as { action: string; run: string }[];
      expect(audited.filter((a) => a.action === 'log_collections.collected')).toHaveLength(2);
      const refusals = audited.filter((a) => a.action === 'log_collections.refused');
      expect(refusals.map((a) => a.run)).toEqual(answers[1].status === 200 ? [small[0].runId] : []);
    } finally {
      await request(server.url)
        .put('/api/log-collections/settings')
        .set('Authorization', admin)
        .send({ maxBundleBytes: 100 * 1024 * 1024, maxTotalBytes: 10 * 1024 * 1024 * 1024 })
        .expect(200);
    }
  }, 60_000);
});
