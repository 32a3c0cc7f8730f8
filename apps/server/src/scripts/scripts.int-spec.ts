import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import request from 'supertest';
import type { Actor } from '../common/actor';
import { factories } from '../test-support/factories';
import {
  ADMIN,
  countRows,
  login,
  startServer,
  TestDatabase,
  type TestServer,
} from '../test-support/test-app';
import { BUILTIN_SCRIPTS, type BuiltinScript } from './builtin-scripts';
import { BuiltinScriptsService } from './builtin-scripts.service';
import { ScriptsService, sha256Hex } from './scripts.service';

const run = promisify(execFile);

interface AuditRow {
  action: string;
  target_id: string;
  actor_kind: string;
  details: Record<string, unknown>;
}

const TECH: Actor = { kind: 'user', userId: null, email: 'svc@example.com', role: null, ip: null };

describe('scripts (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let tech: string;
  let viewer: string;
  let scripts: ScriptsService;
  let seq = 0;

  const api = (token = tech) => ({
    get: (path: string) => request(server.url).get(path).set('Authorization', token),
    post: (path: string, body: object) =>
      request(server.url).post(path).set('Authorization', token).send(body),
    patch: (path: string, body: object) =>
      request(server.url).patch(path).set('Authorization', token).send(body),
    delete: (path: string) => request(server.url).delete(path).set('Authorization', token),
  });
  const names = (res: request.Response) =>
    (res.body.items as { name: string }[]).map((s) => s.name);
  const newScript = (over: Record<string, unknown> = {}) => {
    seq += 1;
    return {
      name: `Script ${seq}`,
      language: 'bash',
      body: `echo script ${seq}\n`,
      tags: ['test'],
      ...over,
    };
  };
  const create = async (over: Record<string, unknown> = {}) => {
    const res = await api().post('/api/scripts', newScript(over));
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string; sha256: string; currentVersion: number };
  };
  const maxAuditId = async () =>
    (
      (await server.dataSource.query(
        `SELECT coalesce(max(id), 0)::int AS id FROM audit_event`,
      )) as { id: number }[]
    )[0].id;
  const auditSince = async (id: number) =>
    (await server.dataSource.query(
      `SELECT action, target_id, actor_kind, details FROM audit_event WHERE id > $1 ORDER BY id`,
      [id],
    )) as AuditRow[];
  /** Runs one mutation and returns the response and the single audit event it wrote. */
  const audited = async (fn: () => Promise<request.Response>) => {
    const before = await maxAuditId();
    const res = await fn();
    const events = await auditSince(before);
    expect(events).toHaveLength(1);
    return { res, event: events[0] };
  };
  /** Runs a refused mutation and checks it wrote nothing. */
  const refused = async (fn: () => Promise<request.Response>) => {
    const before = {
      audit: await maxAuditId(),
      scripts: await countRows(server, 'script'),
      versions: await countRows(server, 'script_version'),
    };
    const res = await fn();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect({
      audit: await maxAuditId(),
      scripts: await countRows(server, 'script'),
      versions: await countRows(server, 'script_version'),
    }).toEqual(before);
    return res;
  };

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    admin = await login(server, ADMIN.email, ADMIN.password);
    const fx = factories(server);
    tech = await (await fx.user({ role: 'technician' })).auth();
    viewer = await (await fx.user({ role: 'viewer' })).auth();
    scripts = server.app.get(ScriptsService);
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  describe('built-in scripts', () => {
    it('are installed at start-up as version 1 of builtin scripts, with the shipped hash', async () => {
      const res = await api(viewer).get('/api/scripts?pageSize=200').expect(200);
      const builtins = (
        res.body.items as { name: string; builtin: boolean; sha256: string }[]
      ).filter((s) => s.builtin);
      expect(builtins.map((s) => s.name).sort()).toEqual(BUILTIN_SCRIPTS.map((b) => b.name).sort());
      for (const b of BUILTIN_SCRIPTS) {
        expect(builtins.find((s) => s.name === b.name)).toMatchObject({
          sha256: sha256Hex(b.body),
          currentVersion: 1,
          language: 'bash',
          createdBy: null,
        });
      }
      const installs = (await server.dataSource.query(
        `SELECT details FROM audit_event WHERE action = 'scripts.builtin_install'`,
      )) as { details: { name: string } }[];
      expect(installs).toHaveLength(BUILTIN_SCRIPTS.length);
    });

    it('installing again changes nothing (restarts and replicas)', async () => {
      const before = {
        audit: await maxAuditId(),
        versions: await countRows(server, 'script_version'),
      };
      await server.app.get(BuiltinScriptsService).onApplicationBootstrap();
      expect({
        audit: await maxAuditId(),
        versions: await countRows(server, 'script_version'),
      }).toEqual(before);
    });

    it('installs a new one exactly once when two nodes race, and ships new content as one new version', async () => {
      const installer = server.app.get(BuiltinScriptsService);
      const shipped: BuiltinScript = {
        name: 'Test built-in',
        description: 'installed by the test',
        tags: ['test-builtin'],
        language: 'bash',
        body: 'echo v1\n',
        parameters: [],
        defaultTimeoutSeconds: 60,
      };
      const outcomes = await Promise.all([installer.install(shipped), installer.install(shipped)]);
      expect(outcomes.sort()).toEqual(['installed', 'unchanged']);

      const next = { ...shipped, body: 'echo v2\n' };
      expect(await installer.install(next)).toBe('updated');
      expect(await installer.install(next)).toBe('unchanged');
      // An older node in a rolling upgrade does not put the old content back.
      expect(await installer.install(shipped)).toBe('unchanged');
      const list = await api().get('/api/scripts?tag=test-builtin').expect(200);
      expect(list.body.items).toHaveLength(1);
      expect(list.body.items[0]).toMatchObject({
        builtin: true,
        currentVersion: 2,
        sha256: sha256Hex('echo v2\n'),
      });
    });

    it('cannot be edited or deleted (409), and nothing is written', async () => {
      const list = await api().get('/api/scripts?q=Restart%20a%20service').expect(200);
      const id = list.body.items[0].id as string;
      for (const body of [{ name: 'Mine now' }, { body: 'rm -rf /' }, { tags: ['x'] }]) {
        const res = await refused(() => api().patch(`/api/scripts/${id}`, body));
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('SCRIPT_BUILTIN');
      }
      const del = await refused(() => api(admin).delete(`/api/scripts/${id}`));
      expect(del.status).toBe(409);
      expect(del.body.code).toBe('SCRIPT_BUILTIN');
    });

    it('resolve for a run with their defaults', async () => {
      const list = await api().get('/api/scripts?q=Disk%20usage').expect(200);
      const r = await scripts.resolveForRun(list.body.items[0].id as string, undefined, {});
      expect(r.env).toEqual([
        { name: 'SCAN_PATH', value: '/var' },
        { name: 'SCAN_TIMEOUT_SECONDS', value: '120' },
      ]);
      expect(r.args).toEqual(['/var', '120']);
    });
  });

  describe('library API', () => {
    let rotate: { id: string; sha256: string };

    beforeAll(async () => {
      rotate = await create({
        name: 'Rotate logs',
        description: 'Rotates NGINX access logs',
        tags: ['Web', 'logs'],
      });
      await create({
        name: 'Windows cleanup',
        language: 'powershell',
        body: 'Get-ChildItem $env:TEMP\n',
        tags: ['win'],
      });
      await create({ name: 'Python probe', language: 'python', body: 'print(1)\n', tags: ['web'] });
    });

    it('creates a script as version 1 with its hash, an audit event and no secrets', async () => {
      const body = 'echo "hello $NAME"\n';
      const { res, event } = await audited(() =>
        api().post(
          '/api/scripts',
          newScript({
            name: 'Greeter',
            body,
            parameters: [{ name: 'NAME', type: 'string', required: true }],
          }),
        ),
      );
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'Greeter',
        language: 'bash',
        body,
        sha256: sha256Hex(body),
        currentVersion: 1,
        builtin: false,
        defaultTimeoutSeconds: 300,
        tags: ['test'],
        archivedAt: null,
        parameters: [
          { name: 'NAME', type: 'string', required: true, secret: false, hasDefault: false },
        ],
      });
      expect(res.body.createdBy).toEqual(expect.any(String));
      expect(res.body.versions).toEqual([
        expect.objectContaining({ version: 1, sha256: sha256Hex(body) }),
      ]);
      expect(event).toMatchObject({
        action: 'scripts.create',
        target_id: res.body.id,
        details: { name: 'Greeter', version: 1, sha256: sha256Hex(body), language: 'bash' },
      });
    });

    it('lists with pagination and filters on text, tag, language', async () => {
      const page = await api(viewer).get('/api/scripts?pageSize=2&page=1').expect(200);
      expect(page.body).toMatchObject({ page: 1, pageSize: 2 });
      expect(page.body.items).toHaveLength(2);
      const all = await api(viewer).get('/api/scripts?pageSize=200').expect(200);
      expect(all.body.total).toBe(all.body.items.length);
      expect(all.body.items[0]).not.toHaveProperty('body');

      expect(names(await api().get('/api/scripts?q=rotate'))).toEqual(['Rotate logs']);
      expect(names(await api().get('/api/scripts?q=nginx'))).toEqual(['Rotate logs']);
      expect(names(await api().get('/api/scripts?tag=web'))).toEqual([
        'Python probe',
        'Rotate logs',
      ]);
      expect(names(await api().get('/api/scripts?language=powershell'))).toEqual([
        'Windows cleanup',
      ]);
      expect(names(await api().get('/api/scripts?language=python&tag=web'))).toEqual([
        'Python probe',
      ]);
      // LIKE wildcards are taken literally.
      expect((await api().get('/api/scripts?q=%25')).body.total).toBe(0);
      const bad = await api().get('/api/scripts?language=ruby&archived=maybe');
      expect(bad.status).toBe(400);
      expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual([
        'archived',
        'language',
      ]);
    });

    it('gets one script with its versions; 404 for an unknown id, 400 for a malformed one', async () => {
      const got = await api(viewer).get(`/api/scripts/${rotate.id}`).expect(200);
      expect(got.body).toMatchObject({ name: 'Rotate logs', tags: ['logs', 'web'] });
      const missing = await api().get('/api/scripts/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('SCRIPT_NOT_FOUND');
      await api().get('/api/scripts/not-a-uuid').expect(400);
    });

    it('refuses a duplicate name, whatever its case, with 409 and writes nothing', async () => {
      const res = await refused(() =>
        api().post('/api/scripts', newScript({ name: 'ROTATE LOGS' })),
      );
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('SCRIPT_NAME_TAKEN');
      const other = await create();
      const rename = await refused(() =>
        api().patch(`/api/scripts/${other.id}`, { name: 'rotate logs' }),
      );
      expect(rename.status).toBe(409);
      expect(rename.body.code).toBe('SCRIPT_NAME_TAKEN');
    });

    it('makes a new version for new content, keeps old versions readable, and renames in place', async () => {
      const s = await create({ body: 'echo one\n' });
      const v2 = await audited(() => api().patch(`/api/scripts/${s.id}`, { body: 'echo two\n' }));
      expect(v2.res.status).toBe(200);
      expect(v2.res.body).toMatchObject({
        currentVersion: 2,
        body: 'echo two\n',
        sha256: sha256Hex('echo two\n'),
      });
      expect(v2.res.body.sha256).not.toBe(s.sha256);
      expect(v2.res.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(v2.event).toMatchObject({
        action: 'scripts.update',
        details: {
          changed: ['body'],
          newVersion: true,
          version: 2,
          sha256: sha256Hex('echo two\n'),
        },
      });

      const old = await api(viewer).get(`/api/scripts/${s.id}/versions/1`).expect(200);
      expect(old.body).toMatchObject({
        version: 1,
        current: false,
        body: 'echo one\n',
        sha256: s.sha256,
      });
      const cur = await api(viewer).get(`/api/scripts/${s.id}/versions/2`).expect(200);
      expect(cur.body).toMatchObject({ version: 2, current: true });
      const none = await api().get(`/api/scripts/${s.id}/versions/3`);
      expect(none.status).toBe(404);
      expect(none.body.code).toBe('SCRIPT_VERSION_NOT_FOUND');
      for (const bad of ['0', 'abc', '1.5', '99999999999'])
        await api().get(`/api/scripts/${s.id}/versions/${bad}`).expect(400);

      // Name, description and tags change in place.
      const renamed = await audited(() =>
        api().patch(`/api/scripts/${s.id}`, {
          name: `${s.name} (renamed)`,
          description: 'now described',
          tags: ['renamed'],
        }),
      );
      expect(renamed.res.body).toMatchObject({
        name: `${s.name} (renamed)`,
        currentVersion: 2,
        sha256: sha256Hex('echo two\n'),
        tags: ['renamed'],
      });
      expect(renamed.event.details).toMatchObject({
        changed: ['name', 'description', 'tags'],
        newVersion: false,
        version: 2,
        sha256: sha256Hex('echo two\n'),
      });

      // The same content again is not a new version; a new timeout is.
      const same = await audited(() => api().patch(`/api/scripts/${s.id}`, { body: 'echo two\n' }));
      expect(same.res.body.currentVersion).toBe(2);
      expect(same.event.details).toMatchObject({ changed: [], newVersion: false });
      const timeout = await audited(() =>
        api().patch(`/api/scripts/${s.id}`, { defaultTimeoutSeconds: 30, language: 'sh' }),
      );
      expect(timeout.res.body).toMatchObject({
        currentVersion: 3,
        defaultTimeoutSeconds: 30,
        language: 'sh',
        sha256: sha256Hex('echo two\n'),
      });
      expect(timeout.event.details).toMatchObject({
        changed: ['language', 'defaultTimeoutSeconds'],
        version: 3,
      });
    });

    it('archives on DELETE: hidden from the list unless asked, still readable, frozen, name reusable', async () => {
      const s = await create({ name: 'Short-lived', tags: ['archive-test'] });
      const { res, event } = await audited(() => api().delete(`/api/scripts/${s.id}`));
      expect(res.status).toBe(204);
      expect(event).toMatchObject({
        action: 'scripts.archive',
        target_id: s.id,
        details: { name: 'Short-lived', version: 1, sha256: s.sha256 },
      });
      expect(names(await api().get('/api/scripts?tag=archive-test'))).toEqual([]);
      const withArchived = await api().get('/api/scripts?tag=archive-test&archived=true');
      expect(withArchived.body.items).toEqual([
        expect.objectContaining({ id: s.id, archivedAt: expect.any(String) }),
      ]);
      await api(viewer).get(`/api/scripts/${s.id}`).expect(200);
      await api(viewer).get(`/api/scripts/${s.id}/versions/1`).expect(200);
      for (const attempt of [
        () => api().patch(`/api/scripts/${s.id}`, { body: 'echo again\n' }),
        () => api().delete(`/api/scripts/${s.id}`),
      ]) {
        const again = await refused(attempt);
        expect(again.status).toBe(409);
        expect(again.body.code).toBe('SCRIPT_ARCHIVED');
      }
      await expect(scripts.resolveForRun(s.id, undefined, {})).rejects.toMatchObject({
        code: 'SCRIPT_ARCHIVED',
        status: 409,
      });
      // The name is free again.
      await create({ name: 'short-lived' });
    });

    it('lets viewers read but not write (403)', async () => {
      await api(viewer).get('/api/scripts').expect(200);
      const post = await refused(() => api(viewer).post('/api/scripts', newScript()));
      expect(post.status).toBe(403);
      expect(
        (await refused(() => api(viewer).patch(`/api/scripts/${rotate.id}`, { name: 'x' }))).status,
      ).toBe(403);
      expect((await refused(() => api(viewer).delete(`/api/scripts/${rotate.id}`))).status).toBe(
        403,
      );
      await request(server.url).get('/api/scripts').expect(401);
    });
  });

  describe('validation', () => {
    const p = (over: Record<string, unknown>) => ({ name: 'VALUE', type: 'string', ...over });
    const cases: { name: string; parameters: unknown[]; field: string; message: RegExp }[] = [
      {
        name: 'a lower-case name',
        parameters: [p({ name: 'value' })],
        field: 'parameters.0.name',
        message: /upper-case/,
      },
      {
        name: 'a name that is too long',
        parameters: [p({ name: `A${'B'.repeat(64)}` })],
        field: 'parameters.0.name',
        message: /1 to 64/,
      },
      {
        name: 'a reserved name (PATH)',
        parameters: [p({ name: 'PATH' })],
        field: 'parameters.0.name',
        message: /PATH is reserved/,
      },
      {
        name: 'a reserved name (IFS)',
        parameters: [p({ name: 'IFS' })],
        field: 'parameters.0.name',
        message: /IFS is reserved/,
      },
      {
        name: 'a reserved prefix (LD_)',
        parameters: [p({ name: 'LD_PRELOAD' })],
        field: 'parameters.0.name',
        message: /starting with LD_/,
      },
      {
        name: 'a reserved prefix (FLEETDESK_)',
        parameters: [p({ name: 'FLEETDESK_TOKEN' })],
        field: 'parameters.0.name',
        message: /starting with FLEETDESK_/,
      },
      {
        name: 'a duplicate name',
        parameters: [p({}), p({ type: 'number' })],
        field: 'parameters',
        message: /unique: VALUE/,
      },
      {
        name: 'an unknown type',
        parameters: [p({ type: 'date' })],
        field: 'parameters.0.type',
        message: /type must be one of/,
      },
      {
        name: 'a number default that is text',
        parameters: [p({ type: 'number', default: 'ten' })],
        field: 'parameters.0.default',
        message: /finite number/,
      },
      {
        name: 'a boolean default that is text',
        parameters: [p({ type: 'boolean', default: 'true' })],
        field: 'parameters.0.default',
        message: /true or false/,
      },
      {
        name: 'an enum without options',
        parameters: [p({ type: 'enum' })],
        field: 'parameters.0.options',
        message: /1 to 100 options/,
      },
      {
        name: 'an enum with 101 options',
        parameters: [p({ type: 'enum', options: Array.from({ length: 101 }, (_, i) => `o${i}`) })],
        field: 'parameters.0.options',
        message: /1 to 100 options/,
      },
      {
        name: 'an enum default that is not an option',
        parameters: [p({ type: 'enum', options: ['a', 'b'], default: 'c' })],
        field: 'parameters.0.default',
        message: /one of the options/,
      },
      {
        name: 'options on a string parameter',
        parameters: [p({ options: ['a'] })],
        field: 'parameters.0.options',
        message: /only enum/,
      },
      {
        name: 'a default on a required parameter',
        parameters: [p({ required: true, default: 'x' })],
        field: 'parameters.0.default',
        message: /required parameter cannot have a default/,
      },
      {
        name: 'a default with a NUL character',
        parameters: [p({ default: 'a\u0000b' })],
        field: 'parameters.0.default',
        message: /NUL/,
      },
      {
        name: 'an unknown property',
        parameters: [p({ sensitive: true })],
        field: 'parameters.0.sensitive',
        message: /should not exist/,
      },
      {
        name: '33 parameters',
        parameters: Array.from({ length: 33 }, (_, i) => p({ name: `P${i}` })),
        field: 'parameters',
        message: /32/,
      },
    ];

    it.each(cases)(
      'refuses $name with 400 naming the field, and writes nothing',
      async ({ parameters, field, message }) => {
        const res = await refused(() => api().post('/api/scripts', newScript({ parameters })));
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        const problem = (res.body.errors as { field: string; reason: string }[]).find(
          (e) => e.field === field,
        );
        expect(problem?.reason).toMatch(message);
        expect(res.body.message).toMatch(message);
      },
    );

    it('applies the same rules to an edit', async () => {
      const s = await create();
      const res = await refused(() =>
        api().patch(`/api/scripts/${s.id}`, { parameters: [p({ name: 'HOME' })] }),
      );
      expect(res.status).toBe(400);
      expect(res.body.message).toMatch(/HOME is reserved/);
    });

    it('refuses bad bodies, languages, timeouts and names', async () => {
      const bodies: [Record<string, unknown>, string][] = [
        [{ body: '' }, 'body'],
        [{ body: 'echo a\u0000b' }, 'body'],
        [{ body: 42 }, 'body'],
        [{ language: 'ruby' }, 'language'],
        [{ defaultTimeoutSeconds: 0 }, 'defaultTimeoutSeconds'],
        [{ defaultTimeoutSeconds: 86_401 }, 'defaultTimeoutSeconds'],
        [{ defaultTimeoutSeconds: 1.5 }, 'defaultTimeoutSeconds'],
        [{ name: '   ' }, 'name'],
        [{ name: 'tab\there' }, 'name'],
        [{ description: 'nul\u0000' }, 'description'],
        [{ tags: ['Not A Tag!'] }, 'tags'],
      ];
      for (const [over, field] of bodies) {
        const res = await refused(() => api().post('/api/scripts', newScript(over)));
        expect(res.status).toBe(400);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
      }
    });

    it('holds bodies to 256 KiB of UTF-8, whoever the caller', async () => {
      const max = await scripts.create(TECH, {
        ...newScript({ body: 'a'.repeat(256 * 1024) }),
        parameters: [],
        defaultTimeoutSeconds: 300,
        tags: [],
      } as never);
      expect(max.sha256).toBe(sha256Hex('a'.repeat(256 * 1024)));
      for (const body of ['a'.repeat(256 * 1024 + 1), 'é'.repeat(128 * 1024 + 1)]) {
        await expect(
          scripts.create(TECH, {
            ...newScript({ body }),
            parameters: [],
            defaultTimeoutSeconds: 300,
            tags: [],
          } as never),
        ).rejects.toMatchObject({ code: 'SCRIPT_INVALID', status: 400 });
      }
      // Over HTTP the JSON body parser's limit (app.factory.ts, 100 kB by default) refuses it
      // first. Nothing is written either way; the status is 500 today because the global
      // filter does not map body-parser's PayloadTooLargeError to 413.
      await refused(() =>
        api().post('/api/scripts', newScript({ body: 'a'.repeat(256 * 1024 + 1) })),
      );
      await api()
        .post('/api/scripts', newScript({ body: `# ${'x'.repeat(90 * 1024)}\n` }))
        .expect(201);
    });
  });

  describe('secret parameters', () => {
    const SECRET = 'hunter2-very-secret';
    let id: string;

    beforeAll(async () => {
      const res = await api().post(
        '/api/scripts',
        newScript({
          name: 'Uses a secret',
          parameters: [
            { name: 'API_TOKEN', type: 'string', secret: true, default: SECRET },
            { name: 'REGION', type: 'enum', options: ['eu', 'us'], default: 'eu' },
          ],
        }),
      );
      expect(res.status).toBe(201);
      id = res.body.id as string;
    });

    it('never returns a secret default, anywhere', async () => {
      const responses = [
        await api().get(`/api/scripts/${id}`).expect(200),
        await api().get(`/api/scripts/${id}/versions/1`).expect(200),
        await api().get('/api/scripts?pageSize=200').expect(200),
        await api(admin).get('/api/audit?pageSize=200').expect(200),
      ];
      for (const res of responses) expect(JSON.stringify(res.body)).not.toContain(SECRET);
      expect(responses[0].body.parameters).toEqual([
        { name: 'API_TOKEN', type: 'string', required: false, secret: true, hasDefault: true },
        {
          name: 'REGION',
          type: 'enum',
          required: false,
          secret: false,
          hasDefault: true,
          default: 'eu',
          options: ['eu', 'us'],
        },
      ]);
    });

    it('keeps a secret default when the list is sent back without it, and drops it on null', async () => {
      const current = await api().get(`/api/scripts/${id}`).expect(200);
      // The list as read, sent back unchanged: same content, so no new version.
      const same = await api().patch(`/api/scripts/${id}`, {
        parameters: current.body.parameters,
      });
      expect(same.status).toBe(200);
      expect(same.body.currentVersion).toBe(1);
      expect(same.body.droppedSecretDefaults).toEqual([]);
      // An admin's new body keeps the secret default.
      const edited = await api(admin).patch(`/api/scripts/${id}`, {
        body: 'echo "$REGION"\n',
        parameters: current.body.parameters,
      });
      expect(edited.body.currentVersion).toBe(2);
      expect(edited.body.droppedSecretDefaults).toEqual([]);
      let r = await scripts.resolveForRun(id, undefined, {});
      expect(r.env).toContainEqual({ name: 'API_TOKEN', value: SECRET, secret: true });
      expect(r.redactedParams).toEqual({ API_TOKEN: '[secret]', REGION: 'eu' });

      // A kept secret default must still fit the parameter: the service checks it.
      const retyped = await refused(() =>
        api(admin).patch(`/api/scripts/${id}`, {
          parameters: [{ name: 'API_TOKEN', type: 'number', secret: true }],
        }),
      );
      expect(retyped.status).toBe(400);
      expect(retyped.body.code).toBe('SCRIPT_INVALID');
      expect(retyped.body.details.errors[0].field).toBe('parameters.0.default');
      expect(JSON.stringify(retyped.body)).not.toContain(SECRET);

      const cleared = await api(admin).patch(`/api/scripts/${id}`, {
        parameters: [{ name: 'API_TOKEN', type: 'string', secret: true, default: null }],
      });
      expect(cleared.body.parameters[0]).toMatchObject({ secret: true, hasDefault: false });
      r = await scripts.resolveForRun(id, undefined, {});
      expect(r.env).toEqual([{ name: 'API_TOKEN', value: '', secret: true }]);
      // Older versions keep what they had.
      r = await scripts.resolveForRun(id, 1, {});
      expect(r.env).toContainEqual({ name: 'API_TOKEN', value: SECRET, secret: true });
    });

    it("does not let a technician's changed body inherit a secret default", async () => {
      const own = await create({
        body: 'curl -H "Authorization: $API_TOKEN" https://api.example.com\n',
        parameters: [
          { name: 'API_TOKEN', type: 'string', secret: true, default: SECRET },
          { name: 'REGION', type: 'string', default: 'eu' },
        ],
      });
      const read = await api().get(`/api/scripts/${own.id}`).expect(200);
      // The exfiltration attempt: same parameters as read, a body that prints the secret.
      const { res, event } = await audited(() =>
        api().patch(`/api/scripts/${own.id}`, {
          body: 'echo "$API_TOKEN"\n',
          parameters: read.body.parameters,
        }),
      );
      expect(res.status).toBe(200);
      expect(res.body.currentVersion).toBe(2);
      expect(res.body.droppedSecretDefaults).toEqual(['API_TOKEN']);
      expect(res.body.parameters[0]).toMatchObject({ name: 'API_TOKEN', hasDefault: false });
      expect(res.body.parameters[1]).toMatchObject({ name: 'REGION', default: 'eu' });
      expect(event.details).toMatchObject({ droppedSecretDefaults: ['API_TOKEN'] });
      expect(JSON.stringify(event)).not.toContain(SECRET);
      let r = await scripts.resolveForRun(own.id, undefined, {});
      expect(r.env).toContainEqual({ name: 'API_TOKEN', value: '', secret: true });
      expect(JSON.stringify(r)).not.toContain(SECRET);
      // The version before keeps its own.
      const v1 = await scripts.resolveForRun(own.id, 1, {});
      expect(v1.env).toContainEqual({ name: 'API_TOKEN', value: SECRET, secret: true });

      // Whoever types the secret again keeps it in the new version.
      const retyped = await api().patch(`/api/scripts/${own.id}`, {
        body: 'echo "using the token"\n',
        parameters: [
          { name: 'API_TOKEN', type: 'string', secret: true, default: 'typed-again-42' },
          { name: 'REGION', type: 'string', default: 'eu' },
        ],
      });
      expect(retyped.body.droppedSecretDefaults).toEqual([]);
      r = await scripts.resolveForRun(own.id, undefined, {});
      expect(r.env).toContainEqual({ name: 'API_TOKEN', value: 'typed-again-42', secret: true });

      // Any new version drops it, even one that leaves the body alone (a changed parameter or
      // setting could still send the value elsewhere).
      const timeout = await api().patch(`/api/scripts/${own.id}`, { defaultTimeoutSeconds: 77 });
      expect(timeout.body.droppedSecretDefaults).toEqual(['API_TOKEN']);
    });
  });

  describe('resolveForRun', () => {
    const tricky = `it's "quoted" $(touch /tmp/pwned) \`id\`; echo pwned && rm -rf / | cat > x`;
    const parameters = [
      { name: 'TARGET', type: 'string', required: true },
      { name: 'COUNT', type: 'number', default: 3 },
      { name: 'VERBOSE', type: 'boolean', default: false },
      { name: 'MODE', type: 'enum', options: ['fast', 'safe'], default: 'safe' },
      { name: 'TOKEN', type: 'string', secret: true },
      { name: 'NOTE', type: 'string' },
    ];
    let bashId: string;
    let psId: string;

    beforeAll(async () => {
      const body = 'printf "%s|" "$TARGET" "$COUNT" "$1" "$2" "$5" "$6"\n';
      bashId = (await create({ name: 'Resolve bash', body, parameters })).id;
      psId = (
        await create({
          name: 'Resolve powershell',
          language: 'powershell',
          body: 'param($TARGET, $COUNT)\nWrite-Output $TARGET\n',
          parameters,
        })
      ).id;
    });

    it('builds env, positional args and redacted params for bash, taking values literally', async () => {
      const r = await scripts.resolveForRun(bashId, undefined, {
        TARGET: tricky,
        COUNT: '5',
        TOKEN: 'tok-123',
      });
      expect(r).toMatchObject({
        scriptId: bashId,
        scriptName: 'Resolve bash',
        version: 1,
        language: 'bash',
        defaultTimeoutSeconds: 300,
        sha256: sha256Hex(r.body),
      });
      expect(r.env).toEqual([
        { name: 'TARGET', value: tricky },
        { name: 'COUNT', value: '5' },
        { name: 'VERBOSE', value: 'false' },
        { name: 'MODE', value: 'safe' },
        { name: 'TOKEN', value: 'tok-123', secret: true },
        { name: 'NOTE', value: '' },
      ]);
      expect(r.args).toEqual([tricky, '5', 'false', 'safe', 'tok-123', '']);
      expect(r.redactedParams).toEqual({
        TARGET: tricky,
        COUNT: 5,
        VERBOSE: false,
        MODE: 'safe',
        TOKEN: '[secret]',
      });

      // Run for real: the values arrive byte for byte, nothing is expanded or executed.
      const { stdout } = await run('bash', ['-c', r.body, 'script', ...r.args], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ...Object.fromEntries(r.env.map((e) => [e.name, e.value])),
        },
      });
      expect(stdout).toBe(`${tricky}|5|${tricky}|5|tok-123||`);
    });

    it('builds -NAME value pairs for PowerShell, in declaration order, only for values', async () => {
      const r = await scripts.resolveForRun(psId, undefined, {
        TARGET: tricky,
        VERBOSE: 'true',
        MODE: 'fast',
      });
      expect(r.args).toEqual([
        '-TARGET',
        tricky,
        '-COUNT',
        '3',
        '-VERBOSE',
        'true',
        '-MODE',
        'fast',
      ]);
      expect(r.env.map((e) => e.name)).toEqual([
        'TARGET',
        'COUNT',
        'VERBOSE',
        'MODE',
        'TOKEN',
        'NOTE',
      ]);
      expect(r.redactedParams).toEqual({ TARGET: tricky, COUNT: 3, VERBOSE: true, MODE: 'fast' });
    });

    it('coerces numbers and booleans given as text, and accepts real ones', async () => {
      const r = await scripts.resolveForRun(bashId, undefined, {
        TARGET: 'x',
        COUNT: -2.5e3,
        VERBOSE: true,
      });
      expect(r.env.slice(1, 3)).toEqual([
        { name: 'COUNT', value: '-2500' },
        { name: 'VERBOSE', value: 'true' },
      ]);
      const t = await scripts.resolveForRun(bashId, undefined, { TARGET: 'x', COUNT: ' 0.5 ' });
      expect(t.redactedParams.COUNT).toBe(0.5);
    });

    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['an unknown parameter', { TARGET: 'x', PATH: '/evil' }, /PATH: unknown parameter/],
      ['a missing required parameter', {}, /TARGET: is required/],
      ['an empty required string', { TARGET: '' }, /TARGET: is required and must not be empty/],
      ['a string given as a number', { TARGET: 42 }, /TARGET: must be a string/],
      ['a number that is text', { TARGET: 'x', COUNT: 'ten' }, /COUNT: must be a finite number/],
      ['a number that overflows', { TARGET: 'x', COUNT: '1e999' }, /COUNT: must be a finite/],
      ['a number that is hex', { TARGET: 'x', COUNT: '0x10' }, /COUNT: must be a finite/],
      ['a boolean that is yes', { TARGET: 'x', VERBOSE: 'yes' }, /VERBOSE: must be true or false/],
      ['an enum value not allowed', { TARGET: 'x', MODE: 'turbo' }, /MODE: must be one of fast/],
      ['a null', { TARGET: null }, /TARGET: must be a string, got null/],
      ['a string over 32 KiB', { TARGET: 'a'.repeat(32 * 1024 + 1) }, /TARGET: must be at most/],
      ['a NUL character', { TARGET: 'a\u0000b' }, /TARGET: must not contain NUL/],
    ];
    it.each(bad)('refuses %s with SCRIPT_PARAM_INVALID naming it', async (_, params, message) => {
      await expect(scripts.resolveForRun(bashId, undefined, params)).rejects.toMatchObject({
        code: 'SCRIPT_PARAM_INVALID',
        status: 400,
        message: expect.stringMatching(message) as unknown,
      });
    });

    it('refuses params that are not an object', async () => {
      await expect(
        scripts.resolveForRun(bashId, undefined, ['x'] as unknown as Record<string, unknown>),
      ).rejects.toMatchObject({ code: 'SCRIPT_PARAM_INVALID' });
    });

    it('resolves a given version, and refuses unknown scripts and versions', async () => {
      const s = await create({
        body: 'echo v1\n',
        parameters: [{ name: 'OLD', type: 'string' }],
      });
      await api()
        .patch(`/api/scripts/${s.id}`, {
          body: 'echo v2\n',
          parameters: [{ name: 'NEW', type: 'string' }],
        })
        .expect(200);
      const v1 = await scripts.resolveForRun(s.id, 1, { OLD: 'o' });
      expect(v1).toMatchObject({ version: 1, body: 'echo v1\n', args: ['o'] });
      const v2 = await scripts.resolveForRun(s.id, undefined, { NEW: 'n' });
      expect(v2).toMatchObject({ version: 2, body: 'echo v2\n', args: ['n'] });
      await expect(scripts.resolveForRun(s.id, 2, { OLD: 'o' })).rejects.toMatchObject({
        code: 'SCRIPT_PARAM_INVALID',
      });
      await expect(scripts.resolveForRun(s.id, 3, {})).rejects.toMatchObject({
        code: 'SCRIPT_VERSION_NOT_FOUND',
        status: 404,
      });
      for (const unknown of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', "'; --"])
        await expect(scripts.resolveForRun(unknown, undefined, {})).rejects.toMatchObject({
          code: 'SCRIPT_NOT_FOUND',
          status: 404,
        });
    });

    it("works inside the caller's transaction when given its manager", async () => {
      const r = await server.dataSource.transaction((m) =>
        scripts.resolveForRun(bashId, undefined, { TARGET: 't' }, m),
      );
      expect(r.args[0]).toBe('t');
    });
  });

  it('audits every mutation with a user actor and never in a refused request', async () => {
    const rows = (await server.dataSource.query(
      `SELECT action, actor_kind FROM audit_event WHERE action LIKE 'scripts.%'`,
    )) as { action: string; actor_kind: string }[];
    for (const row of rows) {
      expect(row.actor_kind).toBe(row.action.startsWith('scripts.builtin_') ? 'system' : 'user');
    }
    const [{ n }] = (await server.dataSource.query(
      `SELECT count(*)::int AS n FROM script s
       WHERE NOT builtin AND NOT EXISTS (
         SELECT 1 FROM audit_event e WHERE e.action = 'scripts.create' AND e.target_id = s.id::text)`,
    )) as { n: number }[];
    expect(n).toBe(0);
  });
});
