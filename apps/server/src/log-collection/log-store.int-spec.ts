import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { JobResponse, LogBundleResponse, SearchBundlesResponse } from '@fleetdesk/api-types';
import {
  deviceHttpAuthorization,
  LOG_CHUNK_SHA256_HEADER,
  LOG_LIMITS,
  type LogManifest,
  logChunkCount,
} from '@fleetdesk/protocol';
import S3rver from 's3rver';
import request from 'supertest';
import { enroll, type Enrolled } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { AuditService } from '../audit/audit.service';
import { ObjectStore } from '../object-store/object-store';
import { S3ObjectStore } from '../object-store/s3-object-store';
import { BlobStore, LOG_BLOB_STORE, LOG_OBJECTS } from './blob-store';
import { LogRetentionService } from './log-retention.service';

const BUCKET = 'fleetdesk-logs';
const PREFIX = 'fleet/logs-test';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A log of `lines` lines, every seventh an ERROR, so a search has a known answer. */
const logText = (tag: string, lines: number): Buffer =>
  Buffer.from(
    Array.from(
      { length: lines },
      (_, i) =>
        `2026-11-20T10:00:${String(i % 60).padStart(2, '0')}Z ${i % 7 === 0 ? 'ERROR' : 'info'} ${tag} line ${i} ${'x'.repeat(40)}\n`,
    ).join(''),
  );

/** The entries of an uncompressed ustar archive: name and content. */
function untar(tar: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, ''), 8);
    out.set(prefix ? `${prefix}/${name}` : name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const binary = (req: request.Test) =>
  req.buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

/**
 * Collected files (and fetched or pushed ones) go through the object store: written once their
 * hash checks out, read for downloads, archives, server-side search and pushes, deleted by the
 * retention sweep and with a bundle. Run on the disk default and on a real S3-compatible
 * server (s3rver, on a free port), each with the whole server on a real database; devices
 * upload through the real signed chunk routes.
 */
describe.each(['disk', 's3'] as const)(
  'stored log files, %s object store (integration)',
  (kind) => {
    let s3: S3rver | undefined;
    let s3Dir: string;
    let db: TestDatabase;
    let server: TestServer;
    let admin: string;
    let technician: string;

    /** The hashes the store holds, read from the S3 server's own folder or from the disk. */
    const stored = async (): Promise<string[]> => {
      if (kind === 'disk') {
        return (await readdir(join(db.dataDir, 'logs', 'blobs')).catch(() => [])).sort();
      }
      const dir = join(s3Dir, BUCKET, ...PREFIX.split('/'), LOG_OBJECTS);
      const names = await readdir(dir).catch(() => [] as string[]);
      return names
        .filter((n) => n.endsWith('._S3rver_object'))
        .map((n) => n.slice(0, -15))
        .sort();
    };
    const partials = () => readdir(join(db.dataDir, 'log-store', 'partial')).catch(() => []);
    const legacyPath = (hash: string) =>
      join(db.dataDir, 'log-store', 'blobs', hash.slice(0, 2), hash);

    beforeAll(async () => {
      const env: Record<string, string> = { LOG_LEVEL: 'error', ENROLL_RATE_LIMIT: '1000' };
      if (kind === 's3') {
        s3Dir = await mkdtemp(join(tmpdir(), 'fleetdesk-s3-logs-'));
        s3 = new S3rver({
          port: 0,
          address: '127.0.0.1',
          directory: s3Dir,
          silent: true,
          configureBuckets: [{ name: BUCKET, configs: [] }],
        });
        const address = (await s3.run()) as AddressInfo;
        Object.assign(env, {
          S3_BUCKET: BUCKET,
          S3_ENDPOINT: `http://127.0.0.1:${address.port}`,
          S3_ACCESS_KEY_ID: 'S3RVER',
          S3_SECRET_ACCESS_KEY: 'S3RVER',
          S3_PREFIX: PREFIX,
        });
      }
      db = await TestDatabase.create();
      server = await startServer(db, env);
      admin = await login(server, ADMIN.email, ADMIN.password);
      technician = await (await factories(server).user({ role: 'technician' })).auth();
    }, 180_000);
    afterAll(async () => {
      await server?.close();
      await db?.destroy();
      await s3?.close();
      if (s3Dir) await rm(s3Dir, { recursive: true, force: true });
    });

    const device = async (): Promise<Enrolled> => {
      const token = (
        await request(server.url)
          .post('/api/enrollment-tokens')
          .set('Authorization', admin)
          .send({ name: `logs-${kind}` })
          .expect(201)
      ).body.token as string;
      return enroll(server.url, token);
    };

    const signed = (dev: Enrolled, method: 'POST' | 'PUT', path: string) =>
      deviceHttpAuthorization(dev.keys.privateKey, {
        deviceId: dev.deviceId,
        method,
        path,
        at: Date.now(),
      });

    /** A collection of `files` from `dev`, uploaded chunk by chunk as the agent does; its bundle. */
    const collect = async (dev: Enrolled, files: Buffer[]): Promise<LogBundleResponse> => {
      const job = (
        await request(server.url)
          .post('/api/log-collections')
          .set('Authorization', technician)
          .send({
            target: { deviceIds: [dev.deviceId] },
            sources: [{ type: 'file', path: '/var/log/app/*.log' }],
          })
          .expect(201)
      ).body as JobResponse;
      const runs = await request(server.url)
        .get(`/api/jobs/${job.id}/runs`)
        .set('Authorization', technician)
        .expect(200);
      const runId = (runs.body as { items: { id: string }[] }).items[0].id;
      const manifest: LogManifest = {
        runId,
        collectedAt: Date.now(),
        refused: [],
        files: files.map((bytes, index) => ({
          index,
          source: 0,
          path: `/var/log/app/part${index}.log`,
          realPath: `/var/log/app/part${index}.log`,
          size: bytes.length,
          sha256: sha(bytes),
          chunks: logChunkCount(bytes.length),
          truncated: false,
        })),
      };
      const manifestPath = `/api/log-collections/uploads/${runId}`;
      await request(server.url)
        .post(manifestPath)
        .set('Authorization', signed(dev, 'POST', manifestPath))
        .send(manifest)
        .expect(200);
      let complete = false;
      for (const [index, bytes] of files.entries()) {
        for (let seq = 0; seq < logChunkCount(bytes.length); seq++) {
          const part = gzipSync(
            bytes.subarray(seq * LOG_LIMITS.chunkBytes, (seq + 1) * LOG_LIMITS.chunkBytes),
          );
          const path = `${manifestPath}/files/${index}/chunks/${seq}`;
          const res = await request(server.url)
            .put(path)
            .set('Authorization', signed(dev, 'PUT', path))
            .set(LOG_CHUNK_SHA256_HEADER, sha(part))
            .set('content-type', 'application/octet-stream')
            .send(part)
            .expect(200);
          expect(res.body.nextSeq).toBe(seq + 1);
          complete = res.body.complete as boolean;
        }
      }
      expect(complete).toBe(true);
      // Received; then the verifier checks each file against the manifest.
      for (const until = Date.now() + 20_000; ;) {
        const bundles = await request(server.url)
          .get(`/api/log-bundles?runId=${runId}`)
          .set('Authorization', technician)
          .expect(200);
        const bundle = (bundles.body as LogBundleResponse[])[0];
        if (bundle.status !== 'uploading' || Date.now() > until) {
          expect(bundle.status).toBe('complete');
          return bundle;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    /** The store's name of a collected file: the SHA-256 of the gzip bytes it is kept as. */
    const keyOf = async (bundle: LogBundleResponse, index: number): Promise<string> => {
      const [row] = (await server.dataSource.query(
        `SELECT "stored_sha256", "encoding" FROM "log_bundle_file" WHERE "bundle_id" = $1 AND "idx" = $2`,
        [bundle.id, index],
      )) as { stored_sha256: string; encoding: string }[];
      expect(row.encoding).toBe('gzip');
      return row.stored_sha256;
    };

    const fileOf = (bundleId: string, index: number) =>
      binary(
        request(server.url)
          .get(`/api/log-bundles/${bundleId}/files/${index}`)
          .set('Authorization', technician),
      );

    it('stores each completed file by its SHA-256 in the store, nothing left on the way, and serves it', async () => {
      const dev = await device();
      // Three chunks and a bit, and one small file.
      const big = Buffer.concat([logText('big', 12_000), randomBytes(1000)]);
      expect(logChunkCount(big.length)).toBeGreaterThan(2);
      const small = logText('small', 20);
      const bundle = await collect(dev, [big, small]);

      // Kept as the gzip bodies the device sent, back to back, named by their SHA-256.
      const keys = [await keyOf(bundle, 0), await keyOf(bundle, 1)];
      expect(keys[1]).toBe(sha(gzipSync(small)));
      expect(await stored()).toEqual(expect.arrayContaining(keys));
      expect(await stored()).not.toContain(sha(big));
      expect(await partials()).toEqual([]);
      if (kind === 's3') {
        // Nothing of the files under DATA_DIR: not in the disk store, not in the old folder.
        await expect(stat(join(db.dataDir, 'logs'))).rejects.toThrow(/ENOENT/);
        await expect(stat(join(db.dataDir, 'log-store', 'blobs'))).rejects.toThrow(/ENOENT/);
        expect(await readdir(join(db.dataDir, 'spool')).catch(() => [])).toEqual([]);
      }

      const got = await fileOf(bundle.id, 0).expect(200);
      expect(got.headers['content-length']).toBe(String(big.length));
      expect(got.headers['x-content-sha256']).toBe(sha(big));
      expect(got.body).toEqual(big);
      expect((await fileOf(bundle.id, 1).expect(200)).body).toEqual(small);
    }, 120_000);

    it('streams one bundle and several bundles as .tar.gz from the store', async () => {
      const one = await collect(await device(), [logText('a', 300), logText('b', 5)]);
      const two = await collect(await device(), [logText('c', 900)]);

      const single = await binary(
        request(server.url)
          .get(`/api/log-bundles/${one.id}/archive`)
          .set('Authorization', technician),
      ).expect(200);
      const entries = untar(gunzipSync(single.body as Buffer));
      expect([...entries.values()]).toEqual([logText('a', 300), logText('b', 5)]);

      const many = await binary(
        request(server.url)
          .get(`/api/log-bundles/archive?ids=${one.id},${two.id}`)
          .set('Authorization', technician),
      ).expect(200);
      const all = untar(gunzipSync(many.body as Buffer));
      expect(all.size).toBe(3);
      expect(all.get(`bundle-${two.id.slice(0, 8)}/000-part0.log`)).toEqual(logText('c', 900));
      expect(all.get(`bundle-${one.id.slice(0, 8)}/001-part1.log`)).toEqual(logText('b', 5));
    }, 120_000);

    it('searches stored bundles on the server, reading them from the store', async () => {
      const text = logText('searched', 700);
      const bundle = await collect(await device(), [text]);
      const res = await request(server.url)
        .post('/api/log-searches/bundles')
        .set('Authorization', technician)
        .send({
          bundleIds: [bundle.id],
          query: { mode: 'substring', pattern: 'ERROR' },
          context: 0,
          maxMatches: 1000,
        })
        .expect(200);
      const body = res.body as SearchBundlesResponse;
      expect(body.matchCount).toBe(100); // lines 0, 7, … 693
      expect(body.bundles[0].files[0].matches[1]).toMatchObject({ line: 8 });
    }, 120_000);

    it('keeps a file to push in the store and reads ranges of it (what a push chunk serves)', async () => {
      const bytes = randomBytes(300_000);
      const upload = await request(server.url)
        .post('/api/file-transfers/uploads?name=tool.bin')
        .set('Authorization', technician)
        .set('content-type', 'application/octet-stream')
        .send(bytes)
        .expect(201);
      expect(upload.body.sha256).toBe(sha(bytes));
      expect(await stored()).toContain(sha(bytes));
      expect(await partials()).toEqual([]);

      const blobs = server.app.get<BlobStore>(LOG_BLOB_STORE);
      const read = async (start: number, end: number) => {
        const got = await blobs.open(sha(bytes), { start, end });
        const parts: Buffer[] = [];
        for await (const p of got.stream as AsyncIterable<Buffer>) parts.push(p);
        expect(got.size).toBe(Buffer.concat(parts).length);
        return Buffer.concat(parts);
      };
      expect(await read(0, 99)).toEqual(bytes.subarray(0, 100));
      expect(await read(262_144, 299_999)).toEqual(bytes.subarray(262_144));
      // Past the end: cut at the end, as HTTP ranges are.
      expect(await read(299_990, 400_000)).toEqual(bytes.subarray(299_990));
    }, 120_000);

    it('deletes a file two bundles share only with the last of them (DELETE, then the sweep)', async () => {
      const shared = logText('shared', 400);
      const own = logText('own', 30);
      const first = await collect(await device(), [shared, own]);
      const second = await collect(await device(), [shared]);
      const sharedKey = await keyOf(second, 0);
      const ownKey = await keyOf(first, 1);
      expect(await keyOf(first, 0)).toBe(sharedKey);
      expect((await stored()).filter((h) => h === sharedKey)).toHaveLength(1);

      await request(server.url)
        .delete(`/api/log-bundles/${first.id}`)
        .set('Authorization', 'Bearer not-a-token')
        .expect(401);
      await request(server.url)
        .delete(`/api/log-bundles/${first.id}`)
        .set('Authorization', technician)
        .expect(204);
      await request(server.url)
        .get(`/api/log-bundles/${first.id}`)
        .set('Authorization', technician)
        .expect(404);
      expect(await stored()).toContain(sharedKey);
      expect(await stored()).not.toContain(ownKey);
      expect((await fileOf(second.id, 0).expect(200)).body).toEqual(shared);
      const audit = await request(server.url)
        .get('/api/audit?action=log_bundles.deleted')
        .set('Authorization', admin)
        .expect(200);
      expect(audit.body.items[0]).toMatchObject({
        target: { type: 'device', id: first.deviceId },
        details: { bundleId: first.id, files: [{ sha256: sha(shared) }, { sha256: sha(own) }] },
      });
      await request(server.url)
        .delete(`/api/log-bundles/${first.id}`)
        .set('Authorization', technician)
        .expect(404);

      // The second bundle's retention ends: the sweep deletes it, and the shared file with it.
      await server.dataSource.query(
        `UPDATE "log_bundle" SET "expires_at" = now() - interval '1 minute' WHERE "id" = $1`,
        [second.id],
      );
      const swept = await server.app.get(LogRetentionService).sweep();
      expect(swept.bundles).toBe(1);
      expect(swept.blobs).toBeGreaterThanOrEqual(1);
      expect(await stored()).not.toContain(sharedKey);
    }, 120_000);

    it('serves files kept on disk before the object store, then moves them into it', async () => {
      const text = logText('legacy', 250);
      const bundle = await collect(await device(), [text]);
      // As an older server left it: DATA_DIR/log-store/blobs/ab/<sha256>, the file's own
      // bytes (as the migration marks such rows), not in the store.
      await server.app.get(ObjectStore).remove(LOG_OBJECTS, await keyOf(bundle, 0));
      await server.dataSource.query(
        `UPDATE "log_bundle_file" SET "encoding" = 'identity', "stored_sha256" = NULL
          WHERE "bundle_id" = $1`,
        [bundle.id],
      );
      await server.dataSource.query(`DELETE FROM "log_blob" WHERE "sha256" <> ALL($1::text[])`, [
        await stored(),
      ]);
      await server.dataSource.query(
        `INSERT INTO "log_blob" ("sha256", "size") VALUES ($1, $2) ON CONFLICT DO NOTHING`,
        [sha(text), text.length],
      );
      await mkdir(join(legacyPath(sha(text)), '..'), { recursive: true });
      await writeFile(legacyPath(sha(text)), text);
      expect(await stored()).not.toContain(sha(text));
      // And a file no bundle names any more (left by a crash of an older server).
      const orphan = randomBytes(100);
      await mkdir(join(legacyPath(sha(orphan)), '..'), { recursive: true });
      await writeFile(legacyPath(sha(orphan)), orphan);

      expect((await fileOf(bundle.id, 0).expect(200)).body).toEqual(text);
      const search = await request(server.url)
        .post('/api/log-searches/bundles')
        .set('Authorization', technician)
        .send({ bundleIds: [bundle.id], query: { mode: 'substring', pattern: 'ERROR' } })
        .expect(200);
      expect((search.body as SearchBundlesResponse).matchCount).toBe(36);

      // A store that cannot be reached: the file stays where it is and is still served; the
      // orphan, which needs no store, goes.
      const unreachable = new LogRetentionService(
        server.dataSource,
        new BlobStore(
          join(db.dataDir, 'log-store'),
          new S3ObjectStore(
            {
              endpoint: 'http://127.0.0.1:1',
              bucket: BUCKET,
              region: 'us-east-1',
              accessKeyId: 'S3RVER',
              secretAccessKey: 'S3RVER',
              prefix: '',
            },
            join(db.dataDir, 'spool'),
          ),
        ),
        server.app.get(AuditService),
      );
      await expect(unreachable.moveLegacy()).resolves.toEqual({
        moved: 0,
        dropped: 1,
        failed: 1,
      });
      await stat(legacyPath(sha(text)));
      expect((await fileOf(bundle.id, 0).expect(200)).body).toEqual(text);

      await expect(server.app.get(LogRetentionService).moveLegacy()).resolves.toEqual({
        moved: 1,
        dropped: 0,
        failed: 0,
      });
      expect(await stored()).toContain(sha(text));
      expect(await stored()).not.toContain(sha(orphan));
      await expect(stat(join(db.dataDir, 'log-store', 'blobs'))).rejects.toThrow(/ENOENT/);
      expect((await fileOf(bundle.id, 0).expect(200)).body).toEqual(text);
      await expect(server.app.get(LogRetentionService).moveLegacy()).resolves.toEqual({
        moved: 0,
        dropped: 0,
        failed: 0,
      });
    }, 120_000);

    it('answers LOG_FILE_MISSING, and audits no download, when the store lost a file', async () => {
      const text = logText('lost', 10);
      const bundle = await collect(await device(), [text]);
      await server.app.get(ObjectStore).remove(LOG_OBJECTS, await keyOf(bundle, 0));
      const res = await request(server.url)
        .get(`/api/log-bundles/${bundle.id}/files/0`)
        .set('Authorization', technician)
        .expect(500);
      expect(res.body).toMatchObject({ code: 'LOG_FILE_MISSING' });
      const audit = await request(server.url)
        .get('/api/audit?action=log_bundles.downloaded&pageSize=200')
        .set('Authorization', admin)
        .expect(200);
      expect(
        (audit.body.items as { details: { bundleId: string } }[]).some(
          (e) => e.details.bundleId === bundle.id,
        ),
      ).toBe(false);
    }, 120_000);
  },
);
