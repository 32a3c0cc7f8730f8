import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  DeviceFilesResponse,
  FileTransferResponse,
  FileTransferRunResponse,
  FileUploadResponse,
  JobResponse,
} from '@fleetdesk/api-types';
import { Fleet } from './support/fleet';
import { buildAll, waitFor } from './support/processes';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** The entries of a ustar archive (prefix + name → bytes), as `tar -x` would see them. */
function untar(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const field = (h: Buffer, from: number, len: number) =>
    h.toString('utf8', from, from + len).replace(/\0.*$/s, '');
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const prefix = field(header, 345, 155);
    const name = (prefix ? `${prefix}/` : '') + field(header, 0, 100);
    const size = parseInt(field(header, 124, 12).trim(), 8);
    files.set(name, tar.subarray(at + 512, at + 512 + size));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

/**
 * Real server, real agent process, real files: a 20 MB push then fetch round-trips byte for
 * byte; the allow-list, symlinks, `..` and an existing file stop a push before it writes.
 */
describe('file transfer end to end', () => {
  let fleet: Fleet;
  let work: string;
  let files: string;
  let outside: string;
  let agent: { stateDir: string; deviceId: string };

  beforeAll(async () => {
    buildAll();
    fleet = await Fleet.start();
    work = await realpath(await mkdtemp(join(tmpdir(), 'fleetdesk-transfers-')));
    files = join(work, 'files');
    outside = join(work, 'outside');
    await mkdir(join(files, 'folder', 'sub'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(files, 'folder', 'a.txt'), 'alpha\n');
    await writeFile(join(files, 'folder', 'sub', 'b.txt'), 'bravo\n');
    await writeFile(join(outside, 'secret.txt'), 'outside the allow-list\n');
    await symlink(join(outside, 'secret.txt'), join(files, 'folder', 'link.txt'));
    await symlink(outside, join(files, 'escape'));
    await fleet
      .api()
      .put('/api/log-collections/settings')
      .set('Authorization', fleet.admin)
      .send({ allow: [`${files}/**`] })
      .expect(200);
    agent = await fleet.enrollAgent();
    fleet.runAgent(agent.stateDir);
    await waitFor(
      async () =>
        (await fleet.api().get(`/api/devices/${agent.deviceId}`).set('Authorization', fleet.admin))
          .body.status === 'online',
      90_000,
      250,
    );
  }, 240_000);
  afterAll(async () => {
    await fleet?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function upload(name: string, data: Buffer): Promise<FileUploadResponse> {
    const res = await fleet
      .api()
      .post(`/api/file-transfers/uploads?name=${encodeURIComponent(name)}`)
      .set('Authorization', fleet.admin)
      .set('content-type', 'application/octet-stream')
      .send(data)
      .expect(201);
    return res.body as FileUploadResponse;
  }

  async function start(kind: 'push' | 'fetch', body: Record<string, unknown>) {
    const res = await fleet
      .api()
      .post(`/api/file-transfers/${kind}`)
      .set('Authorization', fleet.admin)
      .send({ target: { deviceIds: [agent.deviceId] }, ...body })
      .expect(201);
    return res.body as JobResponse;
  }

  /** The job's one run once it ended (and, for a fetch that succeeded, its copy is stored). */
  async function finished(jobId: string): Promise<FileTransferRunResponse> {
    return waitFor(
      async () => {
        const res = await fleet
          .api()
          .get(`/api/file-transfers/${jobId}`)
          .set('Authorization', fleet.admin)
          .expect(200);
        const [run] = (res.body as FileTransferResponse).runs;
        if (!run || !['succeeded', 'failed', 'timed_out', 'lost'].includes(run.status)) {
          return false;
        }
        if (run.direction === 'fetch' && run.status === 'succeeded') {
          if (run.totalBytes === null || run.transferredBytes !== run.totalBytes) return false;
          // Received, then checked against its manifest before it is served.
          const bundle = await fleet
            .api()
            .get(`/api/log-bundles/${run.bundleId}`)
            .set('Authorization', fleet.admin)
            .expect(200);
          return (bundle.body as { status: string }).status !== 'uploading' && run;
        }
        return run;
      },
      // A 20 MB fetch is 80 chunks, each stored and synced before the next: minutes on a
      // machine shared by several test runs.
      240_000,
      250,
    ).catch(async (err: Error) => {
      const res = await fleet
        .api()
        .get(`/api/file-transfers/${jobId}`)
        .set('Authorization', fleet.admin);
      throw new Error(`${err.message}; the transfer: ${JSON.stringify(res.body)}`);
    });
  }

  const download = async (bundleId: string) =>
    (
      await fleet
        .api()
        .get(`/api/log-bundles/${bundleId}/files/0`)
        .set('Authorization', fleet.admin)
        .buffer(true)
        .parse((res, cb) => {
          const parts: Buffer[] = [];
          res.on('data', (d: Buffer) => parts.push(d));
          res.on('end', () => cb(null, Buffer.concat(parts)));
        })
        .expect(200)
    ).body as Buffer;

  it('pushes a 20 MB file with its mode, then fetches it back byte-identical', async () => {
    const data = randomBytes(20 * 1024 * 1024);
    const up = await upload('big.bin', data);
    expect(up).toMatchObject({ size: data.length, sha256: sha256(data), name: 'big.bin' });

    const dest = join(files, 'big.bin');
    const push = await start('push', { uploadId: up.id, path: dest, mode: '0640' });
    const pushed = await finished(push.id);
    expect(pushed).toMatchObject({
      status: 'succeeded',
      direction: 'push',
      totalBytes: data.length,
      transferredBytes: data.length,
      sha256: sha256(data),
    });
    expect(sha256(await readFile(dest))).toBe(sha256(data));
    expect((await stat(dest)).mode & 0o777).toBe(0o640);

    const fetchJob = await start('fetch', { path: dest });
    const fetched = await finished(fetchJob.id);
    expect(fetched).toMatchObject({ status: 'succeeded', sha256: sha256(data) });
    const back = await download(fetched.bundleId!);
    expect(back.length).toBe(data.length);
    expect(sha256(back)).toBe(sha256(data));

    const audit = await fleet
      .api()
      .get('/api/audit?action=file_transfers.*')
      .set('Authorization', fleet.admin)
      .expect(200);
    const entries = audit.body.items as { action: string; details: Record<string, unknown> }[];
    expect(entries.find((e) => e.action === 'file_transfers.push')?.details).toMatchObject({
      path: dest,
      upload: { sha256: sha256(data), size: data.length },
      mode: '0640',
    });
    expect(entries.find((e) => e.action === 'file_transfers.fetched')?.details).toMatchObject({
      asked: [{ type: 'file', path: dest }],
      sent: [expect.objectContaining({ realPath: dest, sha256: sha256(data) })],
    });
  }, 600_000);

  it('refuses a push outside the allow-list, through a symlink or `..`; nothing is written', async () => {
    const up = await upload('x.bin', Buffer.from('payload\n'));
    for (const path of [
      join(outside, 'x.bin'),
      join(files, 'escape', 'y.bin'),
      `${files}/../outside/z.bin`,
    ]) {
      const job = await start('push', { uploadId: up.id, path });
      const run = await finished(job.id);
      expect(run.status).toBe('failed');
      expect(run.error).toMatch(/refused: not_allowed/);
      expect(run.transferredBytes).toBe(0);
    }
    for (const name of ['x.bin', 'y.bin', 'z.bin']) {
      await expect(stat(join(outside, name))).rejects.toThrow(/ENOENT/);
    }
  }, 300_000);

  it('leaves an existing file alone unless overwrite is asked', async () => {
    const dest = join(files, 'config.ini');
    await writeFile(dest, 'original\n');
    const up = await upload('config.ini', Buffer.from('replacement\n'));
    const refused = await finished((await start('push', { uploadId: up.id, path: dest })).id);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/already exists/);
    expect(await readFile(dest, 'utf8')).toBe('original\n');

    const replaced = await finished(
      (await start('push', { uploadId: up.id, path: dest, overwrite: true })).id,
    );
    expect(replaced.status).toBe('succeeded');
    expect(await readFile(dest, 'utf8')).toBe('replacement\n');
  }, 300_000);

  it('fetches a folder as a tar of the files the lists allow', async () => {
    const run = await finished((await start('fetch', { path: join(files, 'folder') })).id);
    expect(run.status).toBe('succeeded');
    const entries = untar(await download(run.bundleId!));
    expect(entries.get('folder/a.txt')?.toString()).toBe('alpha\n');
    expect(entries.get('folder/sub/b.txt')?.toString()).toBe('bravo\n');
    expect([...entries.keys()].some((n) => n.includes('link'))).toBe(false);
    expect(run.refused).toEqual([
      expect.objectContaining({ path: join(files, 'folder', 'link.txt'), reason: 'not_allowed' }),
    ]);
  }, 300_000);

  it('refuses a push request that is not well formed, before any job exists', async () => {
    const up = await upload('y.bin', Buffer.from('y'));
    for (const body of [
      { uploadId: up.id, path: 'relative/path' },
      { uploadId: up.id, path: join(files, 'a'), mode: '999' },
      { uploadId: up.id, path: join(files, 'a'), owner: 'root;rm -rf /' },
    ]) {
      await fleet
        .api()
        .post('/api/file-transfers/push')
        .set('Authorization', fleet.admin)
        .send({ target: { deviceIds: [agent.deviceId] }, ...body })
        .expect(400);
    }
    await fleet
      .api()
      .post('/api/file-transfers/push')
      .set('Authorization', fleet.admin)
      .send({
        target: { deviceIds: [agent.deviceId] },
        uploadId: '00000000-0000-4000-8000-000000000000',
        path: join(files, 'a'),
      })
      .expect(404);
  }, 60_000);

  it('lists a folder for the file browser: symlinks not followed, refusals marked, a cap', async () => {
    const browse = join(files, 'browse');
    await mkdir(join(browse, 'sub'), { recursive: true });
    await writeFile(join(browse, 'app.log'), 'a line\n');
    await writeFile(join(browse, 'id_rsa'), 'not for you\n');
    await symlink(outside, join(browse, 'out'));
    for (let i = 0; i < 30; i++) await writeFile(join(browse, 'sub', `f${i}.log`), '');
    const list = (path: string, query = '') =>
      fleet
        .api()
        .get(`/api/devices/${agent.deviceId}/files?path=${encodeURIComponent(path)}${query}`)
        .set('Authorization', fleet.admin);

    const res = await list(`${browse}/sub/..`).expect(200);
    const body = res.body as DeviceFilesResponse;
    expect(body).toMatchObject({
      deviceId: agent.deviceId,
      path: browse,
      separator: '/',
      total: 4,
    });
    expect(body.truncated).toBe(false);
    const byName = new Map(body.entries.map((e) => [e.name, e]));
    expect([...byName.keys()]).toEqual(['app.log', 'id_rsa', 'out', 'sub']);
    expect(byName.get('app.log')).toEqual({
      name: 'app.log',
      type: 'file',
      size: 7,
      // The agent rounds the sub-millisecond mtime; Date would truncate it.
      modifiedAt: new Date(Math.round((await stat(join(browse, 'app.log'))).mtimeMs)).toISOString(),
      mode: ((await stat(join(browse, 'app.log'))).mode & 0o7777).toString(8).padStart(4, '0'),
    });
    expect(byName.get('sub')).toMatchObject({ type: 'dir' });
    // The default deny list covers private keys; a link out of the allowed tree is not followed.
    expect(byName.get('id_rsa')).toEqual({ name: 'id_rsa', type: 'file', refused: 'denied' });
    expect(byName.get('out')).toEqual({ name: 'out', type: 'symlink', refused: 'not_allowed' });

    const capped = (await list(join(browse, 'sub'), '&maxEntries=10').expect(200))
      .body as DeviceFilesResponse;
    expect(capped.entries).toHaveLength(10);
    expect(capped).toMatchObject({ total: 30, truncated: true });

    const escaped = await list(join(browse, 'out')).expect(403);
    expect(escaped.body).toMatchObject({
      code: 'DEVICE_FILES_NOT_ALLOWED',
      details: { reason: 'not_allowed', path: outside },
    });
    await list(`${browse}/../../outside`).expect(403);
    await list(join(browse, 'missing')).expect(404);
    await list(join(browse, 'app.log')).expect(409);

    // Download from the listing: a fetch of the listed file, its copy byte for byte.
    const fetched = await finished((await start('fetch', { path: join(browse, 'app.log') })).id);
    expect(fetched.status).toBe('succeeded');
    expect((await download(fetched.bundleId!)).toString()).toBe('a line\n');

    const audit = await fleet
      .api()
      .get(`/api/audit?action=device_files.list&targetId=${agent.deviceId}`)
      .set('Authorization', fleet.admin)
      .expect(200);
    expect(audit.body.items.length).toBe(6);
  }, 300_000);
});
