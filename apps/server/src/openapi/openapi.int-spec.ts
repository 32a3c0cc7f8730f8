import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { startServer, TestDatabase, type TestServer } from '../test-support/test-app';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../../..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  security?: unknown[];
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
}

/** Spawns a tool and hands back its output; a non-zero exit fails with that output. */
async function tool(file: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: ROOT,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout + stderr;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

/**
 * The OpenAPI document is a contract: `redocly lint` (recommended rules) passes, and a client
 * generated from it by openapi-typescript has the same types as libs/api-types.
 */
describe('OpenAPI document', () => {
  let db: TestDatabase;
  let server: TestServer;
  let dir: string;
  let doc: Document;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleetdesk-openapi-'));
    db = await TestDatabase.create();
    server = await startServer(db);
    doc = (await request(server.url).get('/api/docs-json').expect(200)).body as Document;
    file = join(dir, 'openapi.json');
    const text = JSON.stringify(doc, null, 2);
    await writeFile(file, text);
    // A copy to read or feed to other tools after the run (tmp/ is git-ignored).
    await mkdir(join(ROOT, 'tmp'), { recursive: true });
    await writeFile(join(ROOT, 'tmp', 'openapi.json'), text);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await db?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.flatMap((m) => (item[m] ? [{ path, method: m, op: item[m] }] : [])),
    );

  it('passes redocly lint with the recommended rules', async () => {
    const out = await tool(bin('redocly'), ['lint', '--extends=recommended', file]);
    expect(out).toMatch(/valid/i);
  }, 120_000);

  it('names, describes and secures every operation', () => {
    const ops = operations();
    expect(ops.length).toBeGreaterThan(40);
    const ids = ops.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ops.length);
    for (const { path, method, op } of ops) {
      const where = `${method.toUpperCase()} ${path}`;
      expect({ where, id: op.operationId }).toEqual({
        where,
        id: expect.stringMatching(/^[A-Z][A-Za-z]+_[a-z][A-Za-z]+$/),
      });
      expect({ where, summary: op.summary }).toEqual({ where, summary: expect.any(String) });
      const isPublic = Array.isArray(op.security) && op.security.length === 0;
      const codes = Object.keys(op.responses);
      // Signed-in routes inherit the global requirement and say what a missing credential gets.
      if (!isPublic)
        expect({ where, codes }).toEqual({ where, codes: expect.arrayContaining(['401']) });
      for (const [code, res] of Object.entries(op.responses)) {
        if (code === '204') continue;
        // Every error answer is the one shape the exception filter writes; a success may be
        // another media type (an executable, an install script), but always has a schema.
        const isError = /^[45]/.test(code);
        const schema = isError
          ? res.content?.['application/json']?.schema
          : Object.values(res.content ?? {})[0]?.schema;
        const expected = isError ? { $ref: '#/components/schemas/ErrorBody' } : expect.anything();
        expect({ where, code, schema }).toEqual({ where, code, schema: expected });
      }
    }
    expect(doc.security).toEqual(expect.arrayContaining([{ bearer: [] }, { cookie: [] }]));
  });

  it('lets the agent downloads, and only them, also take an enrollment token', () => {
    const withToken = operations()
      .filter(({ op }) => JSON.stringify(op.security ?? []).includes('enrollmentToken'))
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(withToken).toEqual(['GET /api/agent/downloads', 'GET /api/agent/downloads/{platform}']);
    for (const path of ['/api/agent/downloads', '/api/agent/downloads/{platform}']) {
      const security = doc.paths[path].get?.security ?? [];
      expect(security).toHaveLength(3);
      expect(security).toEqual(
        expect.arrayContaining([{ bearer: [] }, { cookie: [] }, { enrollmentToken: [] }]),
      );
    }
  });

  it('marks exactly the public routes as needing no credential', () => {
    const open = operations()
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(open).toEqual([
      // Signed with the device key instead (DeviceHttpAuthService).
      'GET /api/agent-updates/builds/{platform}',
      // A pushed file's chunks, fetched by the device with its key.
      'GET /api/file-transfers/pushes/{runId}/chunks/{seq}',
      'GET /api/setup',
      // Signed with the device key too (SoftwareService.installerForDevice).
      'GET /api/software/installers/{id}/content',
      'GET /health',
      'GET /install.ps1',
      'GET /install.sh',
      'POST /api/agent/enroll',
      'POST /api/auth/login',
      // Log uploads, signed with the device key like the build download.
      'POST /api/log-collections/uploads/{runId}',
      // A fleet search's result, posted by the device with its key.
      'POST /api/log-searches/results/{runId}',
      'POST /api/setup',
      'PUT /api/log-collections/uploads/{runId}/files/{index}/chunks/{seq}',
    ]);
  });

  it('generates a typed client whose shapes match libs/api-types', async () => {
    const types = join(dir, 'openapi.d.ts');
    await tool(bin('openapi-typescript'), [file, '--output', types]);
    const apiTypes = join(ROOT, 'libs/api-types/src/index').replace(/\\/g, '/');
    // Each check is an exact type equality, so a field gone optional, `any` or `unknown` fails.
    await writeFile(
      join(dir, 'usage.ts'),
      `import type * as api from '${apiTypes}';
import type { components, operations } from './openapi';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Check<T extends true> = T;
type Json<O extends keyof operations, S extends keyof operations[O]['responses']> =
  operations[O]['responses'][S] extends { content: { 'application/json': infer B } } ? B : never;

type S = components['schemas'];
export type Checks = [
  Check<Equal<S['JobResponse']['id'], string>>,
  Check<Equal<S['JobResponse']['status'], api.JobStatus>>,
  Check<Equal<S['JobResponse']['finishedAt'], string | null>>,
  Check<Equal<S['JobResponse']['counts']['expired'], number>>,
  Check<Equal<Json<'Jobs_create', 201>, S['JobResponse']>>,
  Check<Equal<Json<'Jobs_runs', 200>['items'][number]['status'], api.RunState>>,
  Check<Equal<Json<'Jobs_runs', 200>['total'], number>>,
  Check<Equal<Json<'Runs_get', 200>['output'][number]['stream'], api.OutputStream>>,
  Check<Equal<Json<'Runs_list', 200>['items'][number]['job']['name'], string>>,
  Check<Equal<Json<'Devices_list', 200>['items'][number]['id'], string>>,
  Check<Equal<Json<'Jobs_get', 404>['code'], string>>,
];

// The generated shapes and the shared contract are interchangeable both ways.
export const toApi = (j: S['JobResponse']): api.JobResponse => j;
export const fromApi = (j: api.JobResponse): S['JobResponse'] => j;
export const runToApi = (r: S['RunDetailResponse']): api.RunDetailResponse => r;
export const runFromApi = (r: api.RunDetailResponse): S['RunDetailResponse'] => r;
export const deviceRunToApi = (r: S['DeviceRunResponse']): api.DeviceRunResponse => r;
export const errorToApi = (e: S['ErrorBody']): api.ErrorBody => e;
`,
    );
    await tool(bin('tsc'), [
      '--noEmit',
      '--strict',
      '--exactOptionalPropertyTypes',
      '--skipLibCheck',
      '--target',
      'es2022',
      '--module',
      'nodenext',
      join(dir, 'usage.ts'),
    ]);
  }, 120_000);
});
