import { generateDeviceKeyPair } from '@fleetdesk/protocol';
import { request as httpRequest } from 'node:http';
import request from 'supertest';
import { enroll } from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import {
  ADMIN,
  login,
  startServer,
  TestDatabase,
  testEngine,
  type TestServer,
} from '../test-support/test-app';

/**
 * Black-box fuzzing of the whole REST API as described by its own OpenAPI document: every
 * route, every path parameter, every query parameter and every body field gets hostile values,
 * as an admin. Nothing may answer 5xx and the server must be healthy afterwards.
 *
 * Deterministic: the cases are generated from the document and a fixed seed, and sent one at a
 * time in a fixed order. A new route or field in the document is fuzzed without touching this
 * file.
 *
 * Each engine's run sends half of the hostile values of each path parameter, query parameter
 * and body field, alternating from one to the next, and the other engine's run sends the other
 * half: `npm test` covers every (field, value) pair once on each run of both engines, in half
 * the time (27,600 requests took 315–350 s per engine on 2 cores, the longest test file).
 * The validation under test is the same code on both engines. `FUZZ_ALL=1` sends every case.
 */

/** Which half of the hostile values this run sends (see above); null sends all of them. */
const HALF: 0 | 1 | null =
  process.env.FUZZ_ALL === '1' ? null : testEngine() === 'postgres' ? 1 : 0;
const inThisHalf = (item: number, value: number) => HALF === null || (item + value) % 2 === HALF;

/** Routes left out, with the reason. Everything else in the document is fuzzed. */
const EXCLUDED: Record<string, string> = {
  'POST /api/auth/logout': "ends the admin's own session, which every later request needs",
};

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  oneOf?: Schema[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(0x9e3779b9);
function seededUuid(): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

/** Builds `{"a":{"a":...}}` without recursion. */
function deepObject(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}

const ONE_MB = 'x'.repeat(1024 * 1024);

/** JSON values put in place of one body field. */
const BODY_VALUES: [string, unknown][] = [
  ['NUL', 'a\u0000b'],
  ['lone high surrogate', '\ud800'],
  ['lone low surrogate', 'x\udfff'],
  ['1 MB string', ONE_MB],
  ['empty string', ''],
  ['whitespace', ' \t\n '],
  ['emoji', '👩‍💻'.repeat(64)],
  ['SQL', "' OR 1=1; DROP TABLE device; --"],
  ['path traversal', '../../../../etc/passwd'],
  ['markup', '<img src=x onerror=alert(1)>'],
  ['1e20', 1e20],
  ['2^31', 2_147_483_648],
  ['-2^31-1', -2_147_483_649],
  ['2^63', 9_223_372_036_854_775_808],
  ['max double', Number.MAX_VALUE],
  ['-1', -1],
  ['0', 0],
  ['0.5', 0.5],
  ['numeric string', '99999999999999999999'],
  ['date too early', '-271821-04-20T00:00:00Z'],
  ['date too late', '+275760-09-13T00:00:00Z'],
  ['impossible date', '2024-02-30T25:61:00Z'],
  ['null', null],
  ['true', true],
  ['empty array', []],
  ['array of NUL', ['\u0000']],
  ['array of 2k strings', Array.from({ length: 2_000 }, () => 'a')],
  ['array of numbers', [1e20, -1]],
  ['empty object', {}],
  ['object with a NUL key', { 'a\u0000': 1 }],
  ['__proto__', JSON.parse('{"__proto__":{"isAdmin":true}}') as unknown],
  ['40 levels deep', deepObject(40)],
  ['nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['random uuid', seededUuid()],
];

/** Raw (already percent-encoded) query values. */
const QUERY_VALUES: [string, (name: string) => string][] = [
  ['NUL', (n) => `${n}=%00`],
  ['NUL inside', (n) => `${n}=a%00b`],
  ['lone surrogate (CESU-8)', (n) => `${n}=%ED%A0%80`],
  ['invalid UTF-8', (n) => `${n}=%FF%FE`],
  ['bare percent', (n) => `${n}=%`],
  ['1e20', (n) => `${n}=100000000000000000000`],
  ['2^31', (n) => `${n}=2147483648`],
  ['-1', (n) => `${n}=-1`],
  ['-2^63-1', (n) => `${n}=-9223372036854775809`],
  ['0.5', (n) => `${n}=0.5`],
  ['NaN', (n) => `${n}=NaN`],
  ['Infinity', (n) => `${n}=Infinity`],
  ['1e400', (n) => `${n}=1e400`],
  ['empty', (n) => `${n}=`],
  ['8k string', (n) => `${n}=${'x'.repeat(8000)}`],
  ['date too early', (n) => `${n}=-271821-04-20T00%3A00%3A00Z`],
  ['date too late', (n) => `${n}=%2B275760-09-13T00%3A00%3A00Z`],
  ['year 0', (n) => `${n}=0000-01-01T00%3A00%3A00Z`],
  ['SQL', (n) => `${n}=${encodeURIComponent("' OR 1=1 --")}`],
  ['repeated', (n) => `${n}=a&${n}=b`],
  ['array syntax', (n) => `${n}[]=a&${n}[]=%00`],
  ['object syntax', (n) => `${n}[a]=1`],
  ['deep object syntax', (n) => `${n}[a][b][c][d][e][f][g][h]=1`],
  ['nil uuid', (n) => `${n}=00000000-0000-0000-0000-000000000000`],
  ['unknown sibling', (n) => `${n}=1&zz_unknown=1`],
];

/** Raw (already percent-encoded) path segments. */
const PATH_VALUES: [string, string][] = [
  ['NUL', '%00'],
  ['lone surrogate (CESU-8)', '%ED%A0%80'],
  ['invalid UTF-8', '%FF'],
  ['bare percent', '%'],
  ['-1', '-1'],
  ['0', '0'],
  ['1e20', '100000000000000000000'],
  ['2^31', '2147483648'],
  ['1e400', '1e400'],
  ['0.5', '0.5'],
  ['dot-dot', '..'],
  ['encoded dot-dot', '%2e%2e'],
  ['encoded slash', 'a%2Fb'],
  ['2k string', 'x'.repeat(2000)],
  ['nil uuid', '00000000-0000-0000-0000-000000000000'],
  ['random uuid', seededUuid()],
  ['upper-case uuid', seededUuid().toUpperCase()],
  ['quote', "'"],
];

/** Whole bodies that are hostile in their shape rather than in one field. */
function wholeBodies(base: unknown): [string, string, string][] {
  const json = 'application/json';
  const baseObject = typeof base === 'object' && base !== null && !Array.isArray(base) ? base : {};
  return [
    ['100k levels deep', json, '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['100k nested arrays', json, '['.repeat(100_000) + ']'.repeat(100_000)],
    ['array root', json, '[]'],
    ['string root', json, '"x"'],
    ['null root', json, 'null'],
    ['empty object', json, '{}'],
    ['truncated JSON', json, '{"a":'],
    ['unknown field', json, JSON.stringify({ ...baseObject, zzUnknown: 1 })],
    ['__proto__ field', json, JSON.stringify(baseObject).replace(/^\{/, '{"__proto__":{"x":1},')],
    ['1.5 MB of fields', json, JSON.stringify({ ...baseObject, zzPad: 'y'.repeat(1_500_000) })],
    ['form-encoded', 'application/x-www-form-urlencoded', 'a=1&b[c]=2'],
    ['text/plain JSON', 'text/plain', JSON.stringify(baseObject)],
  ];
}

function resolve(doc: OpenApi, schema: Schema | undefined): Schema {
  let s = schema ?? {};
  for (let i = 0; i < 10; i += 1) {
    if (s.$ref) s = doc.components.schemas[s.$ref.replace('#/components/schemas/', '')] ?? {};
    else if (s.allOf?.length === 1) s = s.allOf[0];
    else break;
  }
  return s;
}

/** A plausible value for a schema, so the other fields pass and one hostile field goes deep. */
function sample(doc: OpenApi, raw: Schema | undefined, name: string, depth = 0): unknown {
  const s = resolve(doc, raw);
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  if (s.default !== undefined && s.default !== null) return s.default;
  if (s.oneOf?.length) return sample(doc, s.oneOf[0], name, depth);
  switch (s.type) {
    case 'string':
      if (s.format === 'uuid') return seededUuid();
      if (s.format === 'date-time') return '2030-01-01T00:00:00.000Z';
      if (/email/i.test(name)) return `fuzz-${Math.floor(random() * 1e9)}@example.com`;
      return 'f'.repeat(Math.max(s.minLength ?? 0, 4));
    case 'number':
    case 'integer':
      return s.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return depth > 4 ? [] : [sample(doc, s.items, name, depth + 1)];
    case 'object':
    case undefined:
    default: {
      if (!s.properties || depth > 4) return {};
      return Object.fromEntries(
        Object.entries(s.properties).map(([k, v]) => [k, sample(doc, v, k, depth + 1)]),
      );
    }
  }
}

/** Every field path in a body: each object's keys (recursively) and each array's first item. */
function fieldPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: { v: unknown; p: (string | number)[] }[] = [{ v: value, p: prefix }];
  while (stack.length > 0) {
    const { v, p } = stack.pop()!;
    if (Array.isArray(v)) {
      if (v.length > 0) {
        out.push([...p, 0]);
        stack.push({ v: v[0], p: [...p, 0] });
      }
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, child] of Object.entries(v)) {
        out.push([...p, k]);
        stack.push({ v: child, p: [...p, k] });
      }
      out.push([...p, 'zzUnknown']);
    }
  }
  return out.reverse();
}

/** Every property the schema describes, nested objects and array items included. */
function schemaPaths(doc: OpenApi, root: Schema | undefined): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: { s: Schema | undefined; p: (string | number)[] }[] = [{ s: root, p: [] }];
  while (stack.length > 0) {
    const { s: raw, p } = stack.pop()!;
    const s = resolve(doc, raw);
    if (p.length > 4) continue;
    if (s.type === 'array') {
      out.push([...p, 0]);
      stack.push({ s: s.items, p: [...p, 0] });
    }
    for (const [k, child] of Object.entries(s.properties ?? {})) {
      out.push([...p, k]);
      stack.push({ s: child, p: [...p, k] });
    }
  }
  return out;
}

/** The union of both lists, in a stable order. */
function allFieldPaths(doc: OpenApi, base: unknown, schema: Schema | undefined) {
  const seen = new Set<string>();
  return [...fieldPaths(base), ...schemaPaths(doc, schema)].filter((p) => {
    const key = JSON.stringify(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A copy of base with one field set, creating the objects and arrays on the way to it. */
function withField(base: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(base ?? {}) as Record<string | number, unknown>;
  let node = copy;
  path.slice(0, -1).forEach((key, i) => {
    if (typeof node[key] !== 'object' || node[key] === null) {
      node[key] = typeof path[i + 1] === 'number' ? [] : {};
    }
    node = node[key] as Record<string | number, unknown>;
  });
  node[path[path.length - 1]] = value;
  return copy;
}

const GAP = /outside what can be stored|could not be validated/;

/**
 * One request on its own connection, with the path exactly as generated: fetch would normalise
 * `..` and keep idle sockets alive past the test.
 */
function send(base: string, c: Case & { auth: string }): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        path: c.url,
        method: c.method.toUpperCase(),
        agent: false,
        headers: {
          Authorization: c.auth,
          ...(c.contentType ? { 'Content-Type': c.contentType } : {}),
          ...(c.body !== undefined ? { 'Content-Length': Buffer.byteLength(c.body) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

interface Case {
  route: string;
  what: string;
  method: string;
  url: string;
  body?: string;
  contentType?: string;
}

describe('API fuzzing (integration)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let doc: OpenApi;
  const real: Record<string, string> = {};

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db, { LOGIN_RATE_LIMIT: '100000', ENROLL_RATE_LIMIT: '100000' });
    admin = await login(server, ADMIN.email, ADMIN.password);
    const api = (method: 'post' | 'get', path: string, body?: object) =>
      request(server.url)[method](path).set('Authorization', admin).send(body);

    // Real rows, so path parameters also reach the code behind "not found".
    const enrollToken = await api('post', '/api/enrollment-tokens', { name: 'fuzz', tags: [] });
    real.enrollSecret = enrollToken.body.token as string;
    const spare = await api('post', '/api/enrollment-tokens', { name: 'spare', tags: [] });
    real['enrollment-tokens'] = spare.body.id as string;
    real.devices = (await enroll(server.url, real.enrollSecret)).deviceId;
    real.groups = (await api('post', '/api/groups', { name: 'fuzz group' })).body.id as string;
    await api('post', '/api/tags', { name: 'fuzz-tag' });
    await api('post', `/api/devices/${real.devices}/tags`, { tags: ['fuzz-tag'] });
    real.tags = 'fuzz-tag';
    real.scripts = (
      await api('post', '/api/scripts', {
        name: 'fuzz script',
        language: 'sh',
        body: 'echo "$NAME"',
        parameters: [{ name: 'NAME', type: 'string' }],
        tags: [],
      })
    ).body.id as string;
    real.version = '1';
    real.jobs = (
      await api('post', '/api/jobs', {
        command: { language: 'sh', body: 'true' },
        target: { all: true },
      })
    ).body.id as string;
    const [run] = (await server.dataSource.query('SELECT id FROM job_run LIMIT 1')) as {
      id: string;
    }[];
    real.runs = run.id;
    real.schedules = (
      await api('post', '/api/schedules', {
        name: 'fuzz schedule',
        job: { command: { language: 'sh', body: 'true' }, target: { all: true } },
        cron: '0 3 * * *',
        zoneMode: 'device',
      })
    ).body.id as string;
    real.users = (await factories(server).user({ role: 'technician' })).user.id;
    real.tokens = (await api('post', '/api/tokens', { name: 'fuzz' })).body.id as string;
    for (const [key, value] of Object.entries(real)) {
      if (value === undefined) throw new Error(`fixture ${key} was not created`);
    }
    doc = (await request(server.url).get('/api/docs-json').expect(200)).body as OpenApi;
  });
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  /** Overrides where a generated sample could not pass validation on its own. */
  function baseBody(route: string, schema: Schema | undefined): unknown {
    const { publicKey } = generateDeviceKeyPair();
    switch (route) {
      case 'POST /api/agent/enroll':
        return {
          token: real.enrollSecret,
          publicKey,
          facts: {
            hostname: 'fuzz-host',
            os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
            agentVersion: 'fuzz',
          },
        };
      case 'POST /api/jobs':
        return {
          name: 'fuzz',
          script: { id: real.scripts, version: 1, params: { NAME: 'x' } },
          target: { all: true, deviceIds: [real.devices], tags: ['fuzz-tag'], groupIds: [] },
          timeoutSeconds: 60,
        };
      case 'POST /api/schedules':
        return {
          name: 'fuzz',
          job: { command: { language: 'sh', body: 'true' }, target: { tags: ['fuzz-tag'] } },
          cron: '0 3 * * *',
          zoneMode: 'fixed',
          timeZone: 'Europe/Paris',
        };
      case 'POST /api/auth/login':
        // Not the admin's address: failed logins must not lock the account this run uses.
        return { email: 'nobody@example.com', password: 'wrong-password' };
      default:
        return schema ? sample(doc, schema, 'body') : undefined;
    }
  }

  function buildCases(): { cases: Case[]; routes: number } {
    const cases: Case[] = [];
    let routes = 0;
    // Routes that destroy a fixture go last, so every other route still finds it.
    const destructive = (method: string, path: string) =>
      method === 'delete' || path.endsWith('/revoke');
    const ops = Object.entries(doc.paths)
      .flatMap(([path, byMethod]) =>
        Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
      )
      .sort(
        (a, b) =>
          Number(destructive(a.method, a.path)) - Number(destructive(b.method, b.path)) ||
          a.path.localeCompare(b.path) ||
          a.method.localeCompare(b.method),
      );
    for (const { path, method, op } of ops) {
      const route = `${method.toUpperCase()} ${path}`;
      if (EXCLUDED[route]) continue;
      routes += 1;
      const params = op.parameters ?? [];
      const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name);
      const queryParams = params.filter((p) => p.in === 'query').map((p) => p.name);
      const resource = path.split('/')[2];
      const realValue = (name: string) =>
        name === 'id' ? real[resource] : name === 'version' ? real.version : real.tags;
      const fill = (override: Record<string, string> = {}) =>
        path.replace(/\{(\w+)\}/g, (_, name: string) => override[name] ?? realValue(name));
      const schema = op.requestBody?.content?.['application/json']?.schema;
      const hasBody = ['post', 'patch', 'put'].includes(method);
      const base = hasBody ? baseBody(route, schema) : undefined;
      const baseText = base === undefined ? undefined : JSON.stringify(base);
      const add = (what: string, url: string, body = baseText, contentType?: string) =>
        cases.push({
          route,
          what,
          method,
          url,
          body,
          contentType: body === undefined ? undefined : (contentType ?? 'application/json'),
        });

      add('valid-looking request', fill());
      pathParams.forEach((name, item) => {
        PATH_VALUES.forEach(([label, raw], value) => {
          if (inThisHalf(item, value)) add(`path ${name}: ${label}`, fill({ [name]: raw }));
        });
      });
      queryParams.forEach((name, item) => {
        QUERY_VALUES.forEach(([label, query], value) => {
          if (inThisHalf(item, value)) add(`query ${name}: ${label}`, `${fill()}?${query(name)}`);
        });
      });
      if (hasBody) {
        allFieldPaths(doc, base ?? {}, schema).forEach((field, item) => {
          BODY_VALUES.forEach(([label, hostile], value) => {
            if (!inThisHalf(item, value)) return;
            add(
              `body ${field.join('.')}: ${label}`,
              fill(),
              JSON.stringify(withField(base ?? {}, field, hostile)),
            );
          });
        });
      }
      if (hasBody || destructive(method, path)) {
        for (const [label, type, text] of wholeBodies(base)) {
          add(`body: ${label}`, fill(), text, type);
        }
      }
    }
    return { cases, routes };
  }

  it('answers every hostile request without a 5xx, and stays healthy', async () => {
    const { cases, routes } = buildCases();
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    const started = Date.now();
    const slowest = new Map<string, number>();
    for (const c of cases) {
      const sent = Date.now();
      let status: number;
      let detail = '';
      try {
        const res = await send(server.url, { ...c, auth: admin });
        status = res.status;
        detail = res.text.slice(0, 200);
      } catch (error) {
        status = 0;
        detail = String(error);
      }
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      const label = c.what.replace(/^[^:]*: /, '');
      slowest.set(label, (slowest.get(label) ?? 0) + Date.now() - sent);
      // The last two are 400s, but they mean a value got past validation (the database refused
      // it) or a validator crashed on it: a gap at the edge, reported like a 500.
      if (status >= 500 || status === 0 || GAP.test(detail)) {
        failures.push(`${c.route} [${c.what}] -> ${status} ${detail}`);
      }
    }
    const elapsed = Date.now() - started;
    process.stdout.write(
      `fuzz: sent ${cases.length} requests to ${routes} routes in ${elapsed} ms ` +
        `(${HALF === null ? 'every hostile value' : `half ${HALF} of the hostile values`}; ` +
        `${Object.keys(EXCLUDED).length} excluded: ${Object.keys(EXCLUDED).join(', ')}); ` +
        `statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}; ` +
        `slowest ${JSON.stringify([...slowest].sort((a, b) => b[1] - a[1]).slice(0, 4))}\n`,
    );
    expect(failures.slice(0, 30)).toEqual([]);
    expect(cases.length).toBeGreaterThan(HALF === null ? 20_000 : 10_000);

    await request(server.url).get('/health').expect(200);
    await request(server.url).get('/api/devices').set('Authorization', admin).expect(200);
    await request(server.url)
      .post('/api/groups')
      .set('Authorization', admin)
      .send({ name: 'after the fuzz' })
      .expect(201);
    await login(server, ADMIN.email, ADMIN.password);
  }, 600_000);
});
