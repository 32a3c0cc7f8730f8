import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { deviceHttpAuthorization } from '@fleetdesk/protocol';
import type { SoftwareInstallerResponse } from '@fleetdesk/api-types';
import S3rver from 's3rver';
import request from 'supertest';
import { ConfigError, loadConfig, type S3Config } from '../config/app-config';
import { enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { createObjectStore } from './object-store.module';
import { ObjectTooLargeError } from './object-store';
import { S3Error, S3ObjectStore } from './s3-object-store';

const BUCKET = 'fleetdesk-test';
// s3rver's one account. It refuses an unknown key id, but does not recompute Signature V4
// (aws4, the signer, has its own test vectors): a wrong key id is the refusal tested here.
const KEY_ID = 'S3RVER';
const SECRET = 'S3RVER';
const UPLOAD_MAX = 64 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const readAll = async (stream: NodeJS.ReadableStream) => {
  const chunks: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
};

/**
 * The object store against a real S3-compatible server (s3rver, started here on a free port,
 * which checks Signature V4): the store on its own, then the whole server configured with
 * S3_* storing, serving and deleting installers there.
 */
describe('object store on an S3-compatible bucket (integration)', () => {
  let s3: S3rver;
  let s3Dir: string;
  let spoolDir: string;
  let s3Config: S3Config;

  /** What the S3 server itself holds, read through its own folder: not through our client. */
  const bucketKeys = async (): Promise<string[]> => {
    const walk = async (dir: string, prefix: string): Promise<string[]> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      const out: string[] = [];
      for (const e of entries) {
        if (e.isDirectory()) out.push(...(await walk(join(dir, e.name), `${prefix}${e.name}/`)));
        else if (e.name.endsWith('._S3rver_object')) out.push(prefix + e.name.slice(0, -15));
      }
      return out;
    };
    return (await walk(join(s3Dir, BUCKET), '')).sort();
  };

  beforeAll(async () => {
    s3Dir = await mkdtemp(join(tmpdir(), 'fleetdesk-s3-'));
    spoolDir = await mkdtemp(join(tmpdir(), 'fleetdesk-spool-'));
    s3 = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory: s3Dir,
      silent: true,
      configureBuckets: [{ name: BUCKET, configs: [] }],
    });
    const address = (await s3.run()) as AddressInfo;
    s3Config = {
      endpoint: `http://127.0.0.1:${address.port}`,
      bucket: BUCKET,
      region: 'us-east-1',
      accessKeyId: KEY_ID,
      secretAccessKey: SECRET,
      prefix: 'fleet/one',
    };
  });
  afterAll(async () => {
    await s3?.close();
    await rm(s3Dir, { recursive: true, force: true });
    await rm(spoolDir, { recursive: true, force: true });
  });

  describe('S3ObjectStore', () => {
    it('puts by SHA-256 under the prefix and namespace, reads back, removes', async () => {
      const store = new S3ObjectStore(s3Config, spoolDir);
      await store.check();
      const bytes = Buffer.from('an installer, more or less');
      const put = await store.put('software', Readable.from([bytes]), 1024);
      expect(put).toEqual({ sha256: sha(bytes), size: bytes.length });
      expect(await bucketKeys()).toEqual([`fleet/one/software/${sha(bytes)}`]);
      const got = await store.open('software', put.sha256);
      expect(got?.size).toBe(bytes.length);
      expect(await readAll(got!.stream)).toEqual(bytes);
      // The same bytes again: the same key, stored once.
      await store.put('software', Readable.from([bytes]), 1024);
      expect(await bucketKeys()).toHaveLength(1);
      await store.remove('software', put.sha256);
      expect(await bucketKeys()).toEqual([]);
      expect(await store.open('software', put.sha256)).toBeNull();
      await store.remove('software', put.sha256); // gone already: not an error
      expect(await readdir(spoolDir)).toEqual([]);
    });

    it('stores a checked local file as it is, and reads byte ranges of it', async () => {
      const store = new S3ObjectStore(s3Config, spoolDir);
      const bytes = randomBytes(5000);
      const file = join(spoolDir, 'assembled');
      await writeFile(file, bytes);
      await expect(store.putFile('logs', file, sha(bytes), 5001)).rejects.toThrow(
        /holds 5000 bytes, not 5001/,
      );
      expect(await bucketKeys()).toEqual([]);
      await store.putFile('logs', file, sha(bytes), bytes.length);
      expect(await bucketKeys()).toEqual([`fleet/one/logs/${sha(bytes)}`]);
      await rm(file);

      const part = await store.open('logs', sha(bytes), { start: 10, end: 19 });
      expect(part?.size).toBe(10);
      expect(await readAll(part!.stream)).toEqual(bytes.subarray(10, 20));
      const tail = await store.open('logs', sha(bytes), { start: 4990, end: 9999 });
      expect(tail?.size).toBe(10);
      expect(await readAll(tail!.stream)).toEqual(bytes.subarray(4990));
      const past = await store.open('logs', sha(bytes), { start: 6000, end: 7000 });
      expect(past?.size).toBe(0);
      expect(await readAll(past!.stream)).toEqual(Buffer.alloc(0));
      await expect(store.open('logs', sha(bytes), { start: 5, end: 4 })).rejects.toThrow(
        /byte range/,
      );
      expect(await store.open('logs', sha(Buffer.from('none')), { start: 0, end: 1 })).toBeNull();
      await store.remove('logs', sha(bytes));
      expect(await bucketKeys()).toEqual([]);
      expect(await readdir(spoolDir)).toEqual([]);
    });

    it('refuses past the limit with nothing stored and nothing spooled', async () => {
      const store = new S3ObjectStore(s3Config, spoolDir);
      const big = Buffer.alloc(2048, 1);
      await expect(
        store.put('software', Readable.from([big.subarray(0, 1000), big.subarray(1000)]), 1024),
      ).rejects.toBeInstanceOf(ObjectTooLargeError);
      expect(await bucketKeys()).toEqual([]);
      expect(await readdir(spoolDir)).toEqual([]);
    });

    it('fails with the service code on an unknown key or a missing bucket', async () => {
      const wrong = new S3ObjectStore({ ...s3Config, accessKeyId: 'NOT-A-KEY' }, spoolDir);
      await expect(
        wrong.put('software', Readable.from([Buffer.from('x')]), 10),
      ).rejects.toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
      const missing = new S3ObjectStore({ ...s3Config, bucket: 'no-such-bucket' }, spoolDir);
      await expect(missing.check()).rejects.toBeInstanceOf(S3Error);
      expect(await bucketKeys()).toEqual([]);
      expect(await readdir(spoolDir)).toEqual([]);
    });

    it('refuses namespaces and hashes that are not its own names', async () => {
      const store = new S3ObjectStore(s3Config, spoolDir);
      await expect(store.open('../x', sha(Buffer.from('a')))).rejects.toThrow(/namespace/);
      await expect(store.open('software', '../../etc/passwd')).rejects.toThrow(/SHA-256/);
    });
  });

  describe('configuration', () => {
    it('turns S3 on with S3_BUCKET and wants the endpoint and keys with it', () => {
      const base = { DATA_DIR: '/tmp/x' };
      expect(loadConfig(base).s3).toBeUndefined();
      expect(() => loadConfig({ ...base, S3_BUCKET: BUCKET })).toThrow(ConfigError);
      expect(() => loadConfig({ ...base, S3_ENDPOINT: 'http://s3.local' })).toThrow(
        /S3_ENDPOINT has no effect without S3_BUCKET/,
      );
      expect(() =>
        loadConfig({
          ...base,
          S3_BUCKET: BUCKET,
          S3_ENDPOINT: 'http://s3.local/path',
          S3_ACCESS_KEY_ID: 'a',
          S3_SECRET_ACCESS_KEY: 'b',
        }),
      ).toThrow(/S3_ENDPOINT must be an http/);
      expect(
        loadConfig({
          ...base,
          S3_BUCKET: BUCKET,
          S3_ENDPOINT: 'https://s3.local:9000/',
          S3_ACCESS_KEY_ID: 'a',
          S3_SECRET_ACCESS_KEY: 'b',
        }).s3,
      ).toEqual({
        endpoint: 'https://s3.local:9000',
        bucket: BUCKET,
        region: 'us-east-1',
        accessKeyId: 'a',
        secretAccessKey: 'b',
        prefix: '',
      });
    });
  });

  describe('the server with S3_* set', () => {
    let db: TestDatabase;
    let server: TestServer;
    let technician: string;
    const env = () => ({
      S3_BUCKET: BUCKET,
      S3_ENDPOINT: s3Config.endpoint,
      S3_ACCESS_KEY_ID: KEY_ID,
      S3_SECRET_ACCESS_KEY: SECRET,
      S3_PREFIX: 'fleet/server',
      SOFTWARE_UPLOAD_MAX_BYTES: String(UPLOAD_MAX),
      ENROLL_RATE_LIMIT: '1000',
    });

    beforeAll(async () => {
      db = await TestDatabase.create();
      server = await startServer(db, env());
      technician = await (await factories(server).user({ role: 'technician' })).auth();
    }, 180_000);
    afterAll(async () => {
      await server?.close();
      await db?.destroy();
    });

    const upload = (fileName: string, bytes: Buffer) =>
      request(server.url)
        .post(`/api/software/installers?fileName=${fileName}`)
        .set('Authorization', technician)
        .set('content-type', 'application/octet-stream')
        .send(bytes);

    it('keeps installers in the bucket, serves them to a device, deletes them there', async () => {
      const bytes = Buffer.from('pretend msi, in a bucket');
      const installer = (await upload('tool.msi', bytes).expect(201))
        .body as SoftwareInstallerResponse;
      expect(installer.sha256).toBe(sha(bytes));
      expect(await bucketKeys()).toEqual([`fleet/server/software/${sha(bytes)}`]);
      // Nothing under DATA_DIR but the spool folder, and that empty.
      expect(await readdir(join(db.dataDir, 'spool'))).toEqual([]);
      await expect(readdir(join(db.dataDir, 'software'))).rejects.toThrow(/ENOENT/);

      const admin = await login(server, ADMIN.email, ADMIN.password);
      const token = (
        await request(server.url)
          .post('/api/enrollment-tokens')
          .set('Authorization', admin)
          .send({ name: 's3' })
          .expect(201)
      ).body.token as string;
      const id = await enroll(server.url, token, 's3-device');
      const path = `/api/software/installers/${installer.id}/content`;
      const fetched = await request(server.url)
        .get(path)
        .set(
          'Authorization',
          deviceHttpAuthorization(id.keys.privateKey, {
            deviceId: id.deviceId,
            method: 'GET',
            path,
            at: Date.now(),
          }),
        )
        .buffer(true)
        .parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        })
        .expect(200);
      expect(fetched.headers['content-length']).toBe(String(bytes.length));
      expect(fetched.body).toEqual(bytes);

      // Too large: refused, nothing new in the bucket, nothing left in the spool.
      const refused = await upload('big.msi', Buffer.alloc(UPLOAD_MAX + 1, 3)).expect(413);
      expect(refused.body.code).toBe('SOFTWARE_UPLOAD_TOO_LARGE');
      expect(await bucketKeys()).toEqual([`fleet/server/software/${sha(bytes)}`]);
      expect(await readdir(join(db.dataDir, 'spool'))).toEqual([]);

      await request(server.url)
        .delete(`/api/software/installers/${installer.id}`)
        .set('Authorization', technician)
        .expect(204);
      expect(await bucketKeys()).toEqual([]);
    });

    it('refuses to start on a bucket that refuses its keys (the module factory, at boot)', async () => {
      const config = loadConfig({
        DATA_DIR: db.dataDir,
        ...env(),
        S3_ACCESS_KEY_ID: 'NOT-A-KEY',
      });
      await expect(createObjectStore(config)).rejects.toThrow(/S3 HEAD \(the bucket\): 403/);
      const good = await createObjectStore(loadConfig({ DATA_DIR: db.dataDir, ...env() }));
      expect(good.kind).toBe('s3');
      expect((await createObjectStore(loadConfig({ DATA_DIR: db.dataDir }))).kind).toBe('disk');
    });
  });
});
