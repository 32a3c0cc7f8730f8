import {
  agentAuthPayload,
  encodeFrame,
  generateDeviceKeyPair,
  type HeartbeatBody,
  type InventoryBody,
  newNonce,
  parseFrame,
  type PemKeyPair,
  type ProtocolVersion,
  type ServerMessage,
  serverAuthPayload,
  signPayload,
  verifyPayload,
} from '@fleetdesk/protocol';
import request from 'supertest';
import WebSocket from 'ws';

export interface Enrolled {
  deviceId: string;
  keys: PemKeyPair;
  serverPublicKey: string;
  heartbeatIntervalMs: number;
}

export async function enroll(
  url: string,
  token: string,
  hostname = `host-${Math.random().toString(36).slice(2, 8)}`,
): Promise<Enrolled> {
  const keys = generateDeviceKeyPair();
  const res = await request(url)
    .post('/api/agent/enroll')
    .send({
      token,
      publicKey: keys.publicKey,
      facts: {
        hostname,
        os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
        agentVersion: 'test',
      },
    });
  if (res.status !== 201)
    throw new Error(`enroll failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { ...(res.body as Omit<Enrolled, 'keys'>), keys };
}

export const sampleHeartbeat = (cpu = 12.5): HeartbeatBody => ({
  cpuPercent: cpu,
  memory: { totalBytes: 8e9, usedBytes: 2e9 },
  disks: [{ mount: '/', totalBytes: 100e9, usedBytes: 40e9 }],
  load: [0.1, 0.2, 0.3],
  uptimeSeconds: 1234,
});

export const sampleInventory = (
  hostname: string,
  software: InventoryBody['software'] = [],
): InventoryBody => ({
  os: {
    platform: 'linux',
    distro: 'Debian GNU/Linux',
    release: '12',
    kernel: '6.1.0',
    arch: 'x64',
  },
  hostname,
  cpu: { model: 'Test CPU', cores: 4 },
  memoryBytes: 8e9,
  disks: [{ device: '/dev/sda1', mount: '/', fsType: 'ext4', sizeBytes: 100e9 }],
  network: [{ name: 'eth0', mac: '02:00:00:00:00:01', ipv4: ['10.1.2.3'], ipv6: [] }],
  users: [{ name: 'alice' }],
  software,
  collectedAt: Date.now(),
});

/**
 * A protocol client for tests: a real socket speaking the real protocol, with hooks to
 * misbehave on purpose. The real agent program is exercised by the end-to-end tests.
 */
export class TestAgent {
  readonly ws: WebSocket;
  readonly received: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;
  /** The server's hello, kept even after next('hello') consumed it. */
  readonly hello: Promise<Extract<ServerMessage, { type: 'hello' }>>;
  private waiters: (() => void)[] = [];

  /**
   * `version` is the protocol version it stamps on its frames: 1 by default, so the tests
   * written against it keep proving that agents of the first version are still served.
   */
  constructor(
    url: string,
    headers: Record<string, string> = {},
    readonly version: ProtocolVersion = 1,
  ) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/agent`, { headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.ws.on('error', () => undefined);
    let gotHello: (m: Extract<ServerMessage, { type: 'hello' }>) => void = () => undefined;
    this.hello = new Promise((resolve) => (gotHello = resolve));
    this.ws.on('message', (data: Buffer) => {
      const parsed = parseFrame(data, { from: 'server' });
      if (parsed.ok) this.received.push(parsed.message);
      if (parsed.ok && parsed.message.type === 'hello') gotHello(parsed.message);
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  async next<T extends ServerMessage['type']>(
    type: T,
    timeoutMs = 5000,
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => m.type === type);
      if (found) {
        this.received.splice(this.received.indexOf(found), 1);
        return found as Extract<ServerMessage, { type: T }>;
      }
      if (Date.now() > deadline) throw new Error(`no ${type} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  send(type: Parameters<typeof encodeFrame>[0], body: Parameters<typeof encodeFrame>[1]): string {
    const frame = encodeFrame(type, body, undefined, this.version);
    this.ws.send(frame);
    return (JSON.parse(frame) as { id: string }).id;
  }

  /** Completes the handshake as a genuine agent and checks the server's signature. */
  async authenticate(
    id: Enrolled,
    signWith: string = id.keys.privateKey,
    as: { agentVersion?: string; trial?: true } = {},
  ): Promise<void> {
    const hello = await this.hello;
    const agentNonce = newNonce();
    const payload = agentAuthPayload({
      deviceId: id.deviceId,
      serverNonce: hello.body.serverNonce,
      agentNonce,
    });
    this.send('auth', {
      deviceId: id.deviceId,
      agentVersion: as.agentVersion ?? 'test',
      agentNonce,
      signature: signPayload(signWith, payload),
      ...(as.trial ? { trial: as.trial } : {}),
    });
    const ok = await this.next('auth_ok');
    const expected = serverAuthPayload({
      deviceId: id.deviceId,
      serverNonce: hello.body.serverNonce,
      agentNonce,
    });
    if (!verifyPayload(id.serverPublicKey, expected, ok.body.serverSignature))
      throw new Error('server signature invalid');
  }

  close(): void {
    this.ws.close(1000);
  }
}

export async function connectAgent(
  url: string,
  id: Enrolled,
  version: ProtocolVersion = 1,
): Promise<TestAgent> {
  const agent = new TestAgent(url, {}, version);
  await agent.opened;
  await agent.authenticate(id);
  return agent;
}

export async function waitFor<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
