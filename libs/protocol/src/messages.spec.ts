import {
  encodeFrame,
  parseFrame,
  PROTOCOL_VERSION,
  type AgentMessage,
  type ServerMessage,
} from './envelope';
import { ProtocolError } from './errors';
import { COLUMN_RANGES } from './validate';
import {
  AGENT_MESSAGE_TYPES,
  BODY_VALIDATORS,
  LIMITS,
  SERVER_MESSAGE_TYPES,
  isIanaTimeZone,
  isMessageType,
  isTimeZoneName,
  type AgentUpdateAction,
  type MessageBodies,
  type MessageType,
} from './messages';
import { rawFrame, sampleBodies } from './test-support/samples';

const ALL_TYPES = Object.keys(sampleBodies()) as MessageType[];

describe('message type maps', () => {
  it('lists each direction exactly', () => {
    expect([...AGENT_MESSAGE_TYPES].sort()).toEqual([
      'auth',
      'check_results',
      'dir_listing',
      'error',
      'follow_lines',
      'follow_status',
      'heartbeat',
      'inventory',
      'log_manifest',
      'output',
      'result',
      'run_accepted',
      'run_rejected',
      'web_check_results',
    ]);
    expect([...SERVER_MESSAGE_TYPES].sort()).toEqual([
      'ack',
      'auth_ok',
      'cancel',
      'checks',
      'error',
      'follow_keepalive',
      'follow_start',
      'follow_stop',
      'hello',
      'list_dir',
      'log_chunk_ack',
      'log_upload_state',
      'result_ack',
      'results_ack',
      'run',
      'run_action',
      'web_checks',
    ]);
    expect(Object.keys(BODY_VALIDATORS).sort()).toEqual([...ALL_TYPES].sort());
  });

  it('does not treat Object.prototype members as message types', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      expect(isMessageType(name)).toBe(false);
    }
  });

  // Compile-time check as much as a run-time one: switch-exhaustiveness-check and the
  // `never` assignments fail lint/typecheck if a type is added without a case here.
  it('supports exhaustive switches per direction', () => {
    const agentSide = (m: AgentMessage): string => {
      switch (m.type) {
        case 'auth':
          return m.body.deviceId;
        case 'heartbeat':
          return String(m.body.load[2]);
        case 'inventory':
          return m.body.hostname;
        case 'run_accepted':
        case 'run_rejected':
        case 'output':
        case 'result':
          return m.body.runId;
        case 'check_results':
          return m.body.results[0].checkId;
        case 'follow_status':
        case 'follow_lines':
          return m.body.followId;
        case 'dir_listing':
          return m.body.requestId;
        case 'web_check_results':
          return m.body.results[0].checkId;
        case 'log_manifest':
          return m.body.runId;
        case 'error':
          return m.body.code;
        default: {
          const unreachable: never = m;
          return unreachable;
        }
      }
    };
    const serverSide = (m: ServerMessage): string => {
      switch (m.type) {
        case 'hello':
          return m.body.serverNonce;
        case 'auth_ok':
          return String(m.body.heartbeatIntervalMs);
        case 'ack':
          return m.body.ackId;
        case 'run':
        case 'run_action':
          return m.body.spec.runId;
        case 'cancel':
        case 'result_ack':
          return m.body.runId;
        case 'results_ack':
          return m.body.runIds.join(',');
        case 'checks':
          return String(m.body.issuedAt);
        case 'follow_start':
        case 'follow_stop':
          return m.body.followId;
        case 'follow_keepalive':
          return m.body.followIds.join(',');
        case 'list_dir':
          return m.body.path;
        case 'web_checks':
          return String(m.body.issuedAt);
        case 'log_upload_state':
        case 'log_chunk_ack':
          return m.body.refId;
        case 'error':
          return m.body.message;
        default: {
          const unreachable: never = m;
          return unreachable;
        }
      }
    };
    const bodies = sampleBodies();
    const fromAgent = parseFrame(encodeFrame('inventory', bodies.inventory), { from: 'agent' });
    const fromServer = parseFrame(encodeFrame('ack', bodies.ack), { from: 'server' });
    expect(fromAgent.ok && agentSide(fromAgent.message)).toBe('build-01.example.internal');
    expect(fromServer.ok && serverSide(fromServer.message)).toBe(bodies.ack.ackId);
  });
});

describe('round trip', () => {
  it.each(ALL_TYPES)('%s survives encode → parse unchanged', (type) => {
    const body = sampleBodies()[type];
    const before = Date.now();
    const frame = encodeFrame(type, body, 'id-0123456789abcdef');
    const result = parseFrame(frame);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.message.v).toBe(PROTOCOL_VERSION);
    expect(result.message.type).toBe(type);
    expect(result.message.id).toBe('id-0123456789abcdef');
    expect(result.message.ts).toBeGreaterThanOrEqual(before);
    expect(result.message.ts).toBeLessThanOrEqual(Date.now());
    expect(result.message.body).toEqual(body);
    // Also from a Buffer, as `ws` delivers it.
    expect(parseFrame(Buffer.from(frame))).toEqual(result);
  });

  it.each(ALL_TYPES)('%s travels as protocol version 1 unless it is newer', (type) => {
    if (type.startsWith('follow_')) {
      const body = sampleBodies()[type];
      for (const v of [1, 2, 3] as const)
        expect(() => encodeFrame<MessageType>(type, body, undefined, v)).toThrow(
          `protocol version ${v} has no '${type}' message`,
        );
      // A peer of version 3 never learns of live follow: such a frame is unknown there.
      const v4 = JSON.parse(encodeFrame<MessageType>(type, body)) as Record<string, unknown>;
      const parsed = parseFrame(JSON.stringify({ ...v4, v: 3 }));
      expect(parsed.ok || parsed.error.code).toBe('UNKNOWN_TYPE');
      return;
    }
    if (type === 'checks' || type === 'check_results') {
      const body = sampleBodies()[type];
      for (const v of [1, 2] as const)
        expect(() => encodeFrame<MessageType>(type, body, undefined, v)).toThrow(
          `protocol version ${v} has no '${type}' message`,
        );
      // An agent or server of version 2 never learns of them: such a frame is unknown there.
      const v3 = JSON.parse(encodeFrame<MessageType>(type, body)) as Record<string, unknown>;
      const parsed = parseFrame(JSON.stringify({ ...v3, v: 2 }));
      expect(parsed.ok || parsed.error.code).toBe('UNKNOWN_TYPE');
      return;
    }
    if (type === 'list_dir' || type === 'dir_listing') {
      const body = sampleBodies()[type];
      for (const v of [1, 2, 3, 4] as const)
        expect(() => encodeFrame<MessageType>(type, body, undefined, v)).toThrow(
          `protocol version ${v} has no '${type}' message`,
        );
      // A peer of version 4 (live follow, no file browser) never learns of them.
      const v5 = JSON.parse(encodeFrame<MessageType>(type, body)) as Record<string, unknown>;
      const parsed = parseFrame(JSON.stringify({ ...v5, v: 4 }));
      expect(parsed.ok || parsed.error.code).toBe('UNKNOWN_TYPE');
      return;
    }
    if (type === 'web_checks' || type === 'web_check_results') {
      const body = sampleBodies()[type];
      for (const v of [1, 2, 3, 4, 5] as const)
        expect(() => encodeFrame<MessageType>(type, body, undefined, v)).toThrow(
          `protocol version ${v} has no '${type}' message`,
        );
      // A peer of version 5 (file browser, no website checks from devices) never learns of them.
      const v6 = JSON.parse(encodeFrame<MessageType>(type, body)) as Record<string, unknown>;
      const parsed = parseFrame(JSON.stringify({ ...v6, v: 5 }));
      expect(parsed.ok || parsed.error.code).toBe('UNKNOWN_TYPE');
      return;
    }
    if (type === 'log_manifest' || type === 'log_upload_state' || type === 'log_chunk_ack') {
      const body = sampleBodies()[type];
      for (const v of [1, 2, 3, 4, 5, 6] as const)
        expect(() => encodeFrame<MessageType>(type, body, undefined, v)).toThrow(
          `protocol version ${v} has no '${type}' message`,
        );
      // A peer of version 6 (uploads over HTTPS only) never learns of them.
      const v7 = JSON.parse(encodeFrame<MessageType>(type, body)) as Record<string, unknown>;
      const parsed = parseFrame(JSON.stringify({ ...v7, v: 6 }));
      expect(parsed.ok || parsed.error.code).toBe('UNKNOWN_TYPE');
      return;
    }
    if (type === 'results_ack') {
      const body = sampleBodies().results_ack;
      expect(() => encodeFrame(type, body, undefined, 1)).toThrow(/version 1 has no 'results_ack'/);
      // A version-1 frame of a version-2 type is unknown, as an old peer would see it.
      const v2 = JSON.parse(encodeFrame(type, body)) as Record<string, unknown>;
      const parsed = parseFrame(JSON.stringify({ ...v2, v: 1 }));
      expect(parsed.ok || parsed.error.code).toBe('UNKNOWN_TYPE');
      return;
    }
    const parsed = parseFrame(encodeFrame<MessageType>(type, sampleBodies()[type], undefined, 1));
    expect(parsed.ok && parsed.message.v).toBe(1);
  });

  it.each(ALL_TYPES)('%s is accepted only from the side that may send it', (type) => {
    const frame = encodeFrame(type, sampleBodies()[type]);
    const agent = parseFrame(frame, { from: 'agent' });
    const server = parseFrame(frame, { from: 'server' });
    expect(agent.ok).toBe((AGENT_MESSAGE_TYPES as readonly string[]).includes(type));
    expect(server.ok).toBe((SERVER_MESSAGE_TYPES as readonly string[]).includes(type));
    for (const result of [agent, server]) {
      if (!result.ok) expect(result.error.code).toBe('UNKNOWN_TYPE');
    }
  });

  it('accepts minimal bodies: empty lists, optional fields absent, empty free text', () => {
    const inventory = {
      ...sampleBodies().inventory,
      disks: [],
      network: [],
      users: [{ name: 'root' }],
      software: [],
    };
    expect(parseFrame(encodeFrame('inventory', inventory)).ok).toBe(true);
    for (const timeZone of ['Europe/Paris', 'America/Argentina/Buenos_Aires', 'UTC', 'Etc/GMT+5'])
      expect(parseFrame(encodeFrame('inventory', { ...inventory, timeZone })).ok).toBe(true);
    // The wire checks the name's shape only; whether a zone is known is the server's question.
    expect(
      parseFrame(encodeFrame('inventory', { ...inventory, timeZone: 'Mars/Olympus' })).ok,
    ).toBe(true);
    expect(isIanaTimeZone('Mars/Olympus')).toBe(false);
    expect(isIanaTimeZone('Etc/GMT+5')).toBe(true);
    expect(isTimeZoneName('Mars/Olympus')).toBe(true);
    for (const bad of ['+02:00', 'Europe//Paris', '', 'Europe/Paris; rm'])
      expect(isTimeZoneName(bad)).toBe(false);
    const error = { code: 'INTERNAL_ERROR' as const, message: '' };
    const parsed = parseFrame(encodeFrame('error', error));
    expect(parsed.ok && parsed.message.body).toEqual(error);
  });

  it('accepts the full 20000-item software list when it fits the frame', () => {
    const software = Array.from({ length: LIMITS.softwareItems }, (_, i) => ({
      name: `p${i}`,
      version: '1',
      source: 'rpm' as const,
    }));
    const result = parseFrame(encodeFrame('inventory', { ...sampleBodies().inventory, software }));
    expect(
      result.ok && result.message.type === 'inventory' && result.message.body.software,
    ).toEqual(software);
  });
});

/** Deep-clones the sample for `type`, lets `mutate` break it, returns the frame. */
function brokenFrame(type: MessageType, mutate: Mutation): string {
  const body = structuredClone(sampleBodies()[type]);
  mutate(body);
  return rawFrame({ type, id: 'broken-0123456789', body });
}

// Bodies are broken on purpose, so these write past the declared types.
const set = (target: object, key: string, value: unknown) =>
  Object.assign(target, { [key]: value });
const unset = (target: object, key: string) => Reflect.deleteProperty(target, key);

type Mutation = (body: object) => void;
type Case = [MessageType, string, Mutation, string, RegExp];

/** A table row whose mutation sees the body type for `type`. */
const c = <T extends MessageType>(
  type: T,
  name: string,
  mutate: (body: MessageBodies[T]) => void,
  path: string,
  reason: RegExp,
): Case => [type, name, mutate as Mutation, path, reason];

const BIG = { maxBytes: 64 * 1024 * 1024 };
const b64 = (bytes: number, fill = 0) => Buffer.alloc(bytes, fill).toString('base64');

describe('body validation', () => {
  const cases: Case[] = [
    c(
      'run_action',
      'unknown action kind',
      (b) => set(b.spec.action, 'kind', 'format_disk'),
      'body.spec.action.kind',
      /expected one of: agent_update/,
    ),
    c(
      'run_action',
      'action not an object',
      (b) => set(b.spec, 'action', 'agent_update'),
      'body.spec.action.kind',
      /expected one of/,
    ),
    c(
      'run_action',
      'no builds',
      (b) => ((b.spec.action as AgentUpdateAction).builds = []),
      'body.spec.action.builds',
      /fewer than 1/,
    ),
    c(
      'run_action',
      'uppercase build hash',
      (b) => ((b.spec.action as AgentUpdateAction).builds[0].sha256 = 'B'.repeat(64)),
      'body.spec.action.builds[0].sha256',
      /hex SHA-256/,
    ),
    c(
      'run_action',
      'platform with a path in it',
      (b) => ((b.spec.action as AgentUpdateAction).builds[0].platform = '../linux-x64'),
      'body.spec.action.builds[0].platform',
      /platform like linux-x64/,
    ),
    c(
      'run_action',
      'trial too short',
      (b) => ((b.spec.action as AgentUpdateAction).trialTimeoutMs = 10),
      'body.spec.action.trialTimeoutMs',
      /between/,
    ),
    c(
      'run_action',
      'smuggled script',
      (b) => set(b.spec.action, 'script', 'rm -rf /'),
      'body.spec.action.script',
      /unknown field/,
    ),
    c('auth', 'trial flag false', (b) => set(b, 'trial', false), 'body.trial', /expected true/),
    c('hello', 'missing nonce', (b) => unset(b, 'serverNonce'), 'body.serverNonce', /required/),
    c('hello', 'short nonce', (b) => (b.serverNonce = b64(16)), 'body.serverNonce', /32 bytes/),
    c('hello', 'float time', (b) => (b.serverTime = 1.5), 'body.serverTime', /integer/),
    c(
      'run',
      'secret flag false',
      (b) => set(b.spec.env[1], 'secret', false),
      'body.spec.env[1].secret',
      /expected true/,
    ),
    c(
      'run',
      'secret flag as text',
      (b) => set(b.spec.env[1], 'secret', 'yes'),
      'body.spec.env[1].secret',
      /expected true/,
    ),
    c(
      'auth',
      'uppercase uuid',
      (b) => (b.deviceId = b.deviceId.toUpperCase()),
      'body.deviceId',
      /lowercase uuid/,
    ),
    c(
      'auth',
      'uuid without dashes',
      (b) => (b.deviceId = b.deviceId.replace(/-/g, '')),
      'body.deviceId',
      /uuid/,
    ),
    c(
      'auth',
      'spaces in version',
      (b) => (b.agentVersion = '1.0 beta'),
      'body.agentVersion',
      /version/,
    ),
    c('auth', '31-byte nonce', (b) => (b.agentNonce = b64(31)), 'body.agentNonce', /32 bytes/),
    c('auth', '63-byte signature', (b) => (b.signature = b64(63)), 'body.signature', /64 bytes/),
    c(
      'auth',
      'base64url signature',
      (b) => (b.signature = Buffer.alloc(64, 0xfb).toString('base64url')),
      'body.signature',
      /base64/,
    ),
    c('auth', 'extra field', (b) => set(b, 'publicKey', 'x'), 'body.publicKey', /unknown field/),
    c(
      'auth_ok',
      'interval too short',
      (b) => (b.heartbeatIntervalMs = 10),
      'body.heartbeatIntervalMs',
      /between 1000 and 3600000/,
    ),
    c(
      'heartbeat',
      'cpu over 100',
      (b) => (b.cpuPercent = 100.5),
      'body.cpuPercent',
      /between 0 and 100/,
    ),
    c(
      'heartbeat',
      'cpu as string',
      (b) => set(b, 'cpuPercent', '50'),
      'body.cpuPercent',
      /expected a number/,
    ),
    c(
      'heartbeat',
      'negative bytes',
      (b) => (b.memory.usedBytes = -1),
      'body.memory.usedBytes',
      /between/,
    ),
    c(
      'heartbeat',
      'fractional bytes',
      (b) => (b.memory.totalBytes = 1.5),
      'body.memory.totalBytes',
      /integer/,
    ),
    c(
      'heartbeat',
      'unknown memory field',
      (b) => set(b.memory, 'swapBytes', 1),
      'body.memory.swapBytes',
      /unknown field/,
    ),
    c('heartbeat', 'two load averages', (b) => set(b, 'load', [1, 2]), 'body.load', /3 items/),
    c('heartbeat', 'negative load', (b) => (b.load = [1, 2, -3]), 'body.load[2]', /between/),
    c(
      'heartbeat',
      'too many disks',
      (b) => (b.disks = Array(65).fill(b.disks[0]) as typeof b.disks),
      'body.disks',
      /more than 64 items/,
    ),
    c('heartbeat', 'empty mount', (b) => (b.disks[1].mount = ''), 'body.disks[1].mount', /empty/),
    c(
      'heartbeat',
      'negative available bytes',
      (b) => (b.disks[0].availableBytes = -1),
      'body.disks[0].availableBytes',
      /between/,
    ),
    c(
      'heartbeat',
      'available bytes as string',
      (b) => set(b.disks[0], 'availableBytes', '10'),
      'body.disks[0].availableBytes',
      /expected an integer/,
    ),
    c(
      'heartbeat',
      'missing uptime',
      (b) => unset(b, 'uptimeSeconds'),
      'body.uptimeSeconds',
      /required/,
    ),
    c('inventory', 'empty hostname', (b) => (b.hostname = ''), 'body.hostname', /empty/),
    c(
      'inventory',
      'offset for a time zone',
      (b) => (b.timeZone = '+02:00'),
      'body.timeZone',
      /IANA time zone/,
    ),
    c(
      'inventory',
      'long time zone',
      (b) => (b.timeZone = `Europe/${'x'.repeat(60)}`),
      'body.timeZone',
      /longer than 64/,
    ),
    c(
      'inventory',
      'long hostname',
      (b) => (b.hostname = 'h'.repeat(256)),
      'body.hostname',
      /longer than 255/,
    ),
    c('inventory', 'NUL in distro', (b) => (b.os.distro = 'Ubuntu\u0000'), 'body.os.distro', /NUL/),
    c('inventory', 'negative cores', (b) => (b.cpu.cores = -1), 'body.cpu.cores', /between/),
    c(
      'inventory',
      'uppercase mac',
      (b) => (b.network[0].mac = '02:42:AC:11:00:02'),
      'body.network[0].mac',
      /MAC/,
    ),
    c(
      'inventory',
      'bad ipv4',
      (b) => (b.network[0].ipv4 = ['256.1.1.1']),
      'body.network[0].ipv4[0]',
      /IPv4/,
    ),
    c(
      'inventory',
      'ipv4 in ipv6 list',
      (b) => (b.network[1].ipv6 = ['::1', '10.0.0.1']),
      'body.network[1].ipv6[1]',
      /IPv6/,
    ),
    c(
      'inventory',
      'long tty',
      (b) => (b.users[0].tty = 't'.repeat(65)),
      'body.users[0].tty',
      /longer than 64/,
    ),
    c(
      'inventory',
      'loginAt as string',
      (b) => set(b.users[0], 'loginAt', '2024-01-01'),
      'body.users[0].loginAt',
      /integer/,
    ),
    c(
      'inventory',
      'unknown source',
      (b) => set(b.software[2], 'source', 'npm'),
      'body.software[2].source',
      /one of: dpkg, rpm/,
    ),
    c(
      'inventory',
      'nameless package',
      (b) => unset(b.software[0], 'name'),
      'body.software[0].name',
      /required/,
    ),
    c(
      'inventory',
      'too many packages',
      (b) => (b.software = Array(20_001).fill(b.software[0]) as typeof b.software),
      'body.software',
      /more than 20000 items/,
    ),
    c(
      'inventory',
      'network not a list',
      (b) => set(b, 'network', {}),
      'body.network',
      /expected an array/,
    ),
    c('ack', 'short ack id', (b) => (b.ackId = 'abc'), 'body.ackId', /shorter than 16/),
    c('error', 'unknown code', (b) => set(b, 'code', 'NOPE'), 'body.code', /one of/),
    c(
      'error',
      'long message',
      (b) => (b.message = 'm'.repeat(1025)),
      'body.message',
      /longer than 1024/,
    ),
    c('error', 'bad refId', (b) => (b.refId = 'has spaces in it!!'), 'body.refId', /message id/),
  ];

  it.each(cases)('%s: %s → INVALID_BODY', (type, _name, mutate, path, reason) => {
    const result = parseFrame(brokenFrame(type, mutate), BIG);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({
      code: 'INVALID_BODY',
      path,
      type,
      refId: 'broken-0123456789',
    });
    expect(result.error.reason).toMatch(reason);
    expect(result.error.message).toContain(path);
    expect(result.error.closeCode).toBeUndefined();
  });

  it.each(cases)('%s: %s is refused by encodeFrame too', (type, _name, mutate, path) => {
    const body = structuredClone(sampleBodies()[type]);
    mutate(body);
    expect(() => encodeFrame(type, body as never)).toThrow(ProtocolError);
    expect(() => encodeFrame(type, body as never)).toThrow(path);
  });

  it('rejects a smuggled __proto__ key in a body', () => {
    const frame = rawFrame({ type: 'ack' }).replace(
      '"body":{',
      '"body":{"__proto__":{"polluted":true},',
    );
    const result = parseFrame(frame);
    expect(!result.ok && result.error).toMatchObject({
      code: 'INVALID_BODY',
      path: 'body.__proto__',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/**
 * The server stores agent reports in PostgreSQL, many devices per statement; one value the
 * database refuses would fail every device's row. So every inbound string and number must be
 * one it can store, checked here at every leaf of every agent → server sample body.
 */
describe('inbound values PostgreSQL must be able to store', () => {
  type Leaf = { path: (string | number)[]; value: unknown };
  const leaves = (value: unknown, path: (string | number)[] = []): Leaf[] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([k, v]) =>
          leaves(v, [...path, Array.isArray(value) ? Number(k) : k]),
        )
      : [{ path, value }];
  const withLeaf = (type: MessageType, path: (string | number)[], replacement: unknown) => {
    const body = structuredClone(sampleBodies()[type]) as unknown as Record<string, unknown>;
    let at: Record<string | number, unknown> = body;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    at[path[path.length - 1]] = replacement;
    return body;
  };
  const inbound = AGENT_MESSAGE_TYPES.flatMap((type) =>
    leaves(sampleBodies()[type]).map((leaf) => ({ type, ...leaf })),
  );
  const strings = inbound.filter((l) => typeof l.value === 'string');
  const numbers = inbound.filter((l) => typeof l.value === 'number');

  it('covers every field', () => {
    expect(strings.length).toBeGreaterThan(40);
    expect(numbers.length).toBeGreaterThan(20);
  });

  it.each(['\ud800', '\udfff', 'a\udc00', '\ud83d!', 'x\u0000'])(
    'refuses %j in every string field, as a frame and to a sender',
    (bad) => {
      for (const { type, path, value } of strings) {
        // Appended as well as alone, so patterns and length floors cannot be what refuses it.
        for (const replacement of [bad, `${String(value)}${bad}`]) {
          const body = withLeaf(type, path, replacement);
          const frame = JSON.stringify({
            v: PROTOCOL_VERSION,
            type,
            id: '0123456789abcdef',
            ts: 1,
            body,
          });
          const result = parseFrame(frame, { from: 'agent', maxBytes: 10_000_000 });
          expect({ type, path, ok: result.ok }).toEqual({ type, path, ok: false });
          if (!result.ok) expect(result.error.code).toBe('INVALID_BODY');
          expect(() => encodeFrame(type as never, body as never)).toThrow(ProtocolError);
        }
      }
    },
  );

  it('accepts emoji (surrogate pairs) in free-text fields', () => {
    const free: [MessageType, (string | number)[]][] = [
      ['heartbeat', ['disks', 0, 'mount']],
      ['inventory', ['software', 0, 'name']],
      ['inventory', ['hostname']],
      ['output', ['data']],
      ['result', ['error']],
    ];
    for (const [type, path] of free) {
      expect(BODY_VALIDATORS[type](withLeaf(type, path, 'ok 😀 💾')).ok).toBe(true);
    }
  });

  it('refuses non-finite numbers and integers past 2^53 in every number field', () => {
    for (const { type, path, value } of numbers) {
      // 1e400 is what JSON.parse turns into Infinity.
      const raw = JSON.stringify({
        v: PROTOCOL_VERSION,
        type,
        id: '0123456789abcdef',
        ts: 1,
        body: withLeaf(type, path, 123456789.5),
      }).replace('123456789.5', '1e400');
      expect({ type, path, ok: parseFrame(raw, { from: 'agent' }).ok }).toEqual({
        type,
        path,
        ok: false,
      });
      for (const bad of [2 ** 53 + 2, -(2 ** 53) - 2, 1e300, -1e300, NaN]) {
        expect({
          type,
          path,
          bad,
          ok: BODY_VALIDATORS[type](withLeaf(type, path, bad)).ok,
        }).toEqual({ type, path, bad, ok: false });
      }
      expect(BODY_VALIDATORS[type](withLeaf(type, path, value)).ok).toBe(true);
    }
  });

  // Numbers that land in a column of their own (the rest go into jsonb, where any finite number fits).
  const COLUMNS: [MessageType, string, keyof typeof COLUMN_RANGES | 'timestamptz'][] = [
    ['output', 'seq', 'integer'],
    ['result', 'lastSeq', 'integer'],
    ['result', 'exitCode', 'bigint'],
    ['result', 'outputBytes', 'bigint'],
    ['result', 'startedAt', 'timestamptz'],
    ['result', 'finishedAt', 'timestamptz'],
    ['run_accepted', 'startedAt', 'timestamptz'],
    ['inventory', 'collectedAt', 'timestamptz'],
  ];

  it.each(COLUMNS)('%s.%s stays within its %s column', (type, field, column) => {
    const accepts = (n: number) => BODY_VALIDATORS[type](withLeaf(type, [field], n)).ok;
    if (column === 'timestamptz') {
      // PostgreSQL holds 4713 BC .. 294276 AD; a JS Date reaches 275760 AD.
      expect(accepts(8_640_000_000_000_001)).toBe(false);
      expect(accepts(-1)).toBe(false);
      return;
    }
    const range = COLUMN_RANGES[column];
    expect(accepts(range.max + 1)).toBe(false);
    expect(accepts(range.min - 1)).toBe(false);
  });

  it('takes the exit codes agents really report, Windows crash codes included', () => {
    const exit = (n: number) => BODY_VALIDATORS.result(withLeaf('result', ['exitCode'], n)).ok;
    for (const code of [0, 1, 255, -1, -2_147_483_648, 3_221_225_477, 4_294_967_295]) {
      expect(exit(code)).toBe(true);
    }
    expect(exit(4_294_967_296)).toBe(false);
    expect(exit(-2_147_483_649)).toBe(false);
  });
});
