import type {
  AuditEventResponse,
  ConsoleClientEvents,
  ConsoleServerEvents,
  FollowLinesEvent,
  FollowStartAck,
  FollowStatusEvent,
} from '@fleetdesk/api-types';
import {
  followKeepaliveSigningPayload,
  followStartSigningPayload,
  followStopSigningPayload,
  verifyPayload,
} from '@fleetdesk/protocol';
import { io, type Socket } from 'socket.io-client';
import request from 'supertest';
import {
  connectAgent,
  enroll,
  type Enrolled,
  type TestAgent,
  waitFor,
} from '../test-support/agent-client';
import { factories } from '../test-support/factories';
import { ADMIN, login, startServer, TestDatabase, type TestServer } from '../test-support/test-app';
import { LogFollowService } from './log-follow.service';

type Viewer = Socket<ConsoleServerEvents, ConsoleClientEvents>;

describe('live follow (integration, protocol-level agent, socket.io viewer)', () => {
  let db: TestDatabase;
  let server: TestServer;
  let admin: string;
  let tech: string;
  let viewerRole: string;
  let token: string;
  const open: { close(): void }[] = [];

  beforeAll(async () => {
    db = await TestDatabase.create();
    server = await startServer(db);
    admin = await login(server, ADMIN.email, ADMIN.password);
    const fx = factories(server);
    tech = await (await fx.user({ role: 'technician' })).auth();
    viewerRole = await (await fx.user({ role: 'viewer' })).auth();
    token = (
      await request(server.url)
        .post('/api/enrollment-tokens')
        .set('Authorization', admin)
        .send({ name: 'follow' })
        .expect(201)
    ).body.token as string;
  }, 180_000);
  afterEach(() => open.splice(0).forEach((o) => o.close()));
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
  });

  async function viewer(auth: string): Promise<{
    socket: Viewer;
    statuses: FollowStatusEvent[];
    lines: FollowLinesEvent[];
  }> {
    const socket: Viewer = io(server.url, {
      auth: { token: auth.replace('Bearer ', '') },
      transports: ['websocket'],
      reconnection: false,
    });
    open.push(socket);
    const statuses: FollowStatusEvent[] = [];
    const lines: FollowLinesEvent[] = [];
    socket.on('follow.status', (e) => statuses.push(e));
    socket.on('follow.lines', (e) => lines.push(e));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return { socket, statuses, lines };
  }

  const startFollow = (socket: Viewer, request: unknown) =>
    new Promise<FollowStartAck>((resolve) =>
      socket.emit('follow.start', request as never, (ack) => resolve(ack)),
    );

  async function agentOf(version: 1 | 4 = 4): Promise<{ id: Enrolled; agent: TestAgent }> {
    const id = await enroll(server.url, token);
    const agent = await connectAgent(server.url, id, version);
    open.push(agent);
    return { id, agent };
  }

  const file = (path: string) => ({ type: 'file' as const, path });

  it('sends a signed start with the policy, relays lines only to its viewer, and stops when the page goes', async () => {
    const { id, agent } = await agentOf();
    const v = await viewer(tech);
    const other = await viewer(admin);
    const ack = await startFollow(v.socket, {
      deviceId: id.deviceId,
      source: file('/var/log/app.log'),
    });
    expect(ack).toEqual({ ok: true, followId: expect.any(String) });
    if (!ack.ok) return;
    const start = await agent.next('follow_start');
    expect(start.body).toMatchObject({
      followId: ack.followId,
      deviceId: id.deviceId,
      source: { type: 'file', path: '/var/log/app.log' },
      lastLines: 50,
      allow: expect.arrayContaining(['/var/log/**']),
      deny: expect.arrayContaining(['**/*.key']),
    });
    expect(
      verifyPayload(
        id.serverPublicKey,
        followStartSigningPayload(start.body),
        start.body.signature,
      ),
    ).toBe(true);

    agent.send('follow_status', {
      followId: ack.followId,
      state: 'following',
      message: 'following /var/log/app.log',
      realPath: '/var/log/app.log',
    });
    agent.send('follow_lines', {
      followId: ack.followId,
      seq: 0,
      lines: ['hello', 'world'],
      skippedLines: 3,
    });
    await waitFor(() => Promise.resolve(v.lines.length === 1));
    expect(v.lines[0]).toEqual({
      followId: ack.followId,
      lines: ['hello', 'world'],
      skippedLines: 3,
    });
    expect(v.statuses.map((s) => s.state)).toEqual(['starting', 'following']);
    expect(v.statuses[1].realPath).toBe('/var/log/app.log');
    expect(other.lines).toEqual([]);

    // The page closes: the agent is told to stop, signed.
    v.socket.close();
    const stop = await agent.next('follow_stop');
    expect(stop.body.followId).toBe(ack.followId);
    expect(
      verifyPayload(
        id.serverPublicKey,
        followStopSigningPayload(ack.followId, id.deviceId),
        stop.body.signature,
      ),
    ).toBe(true);
    expect(server.app.get(LogFollowService).size).toBe(0);

    // It was audited: who, which device, what.
    const audit = await request(server.url)
      .get(`/api/audit?action=log_follow.start&targetId=${id.deviceId}`)
      .set('Authorization', admin)
      .expect(200);
    expect((audit.body as { items: AuditEventResponse[] }).items[0]).toMatchObject({
      actor: { kind: 'user' },
      target: { type: 'device', id: id.deviceId },
      details: { followId: ack.followId, source: 'file', what: '/var/log/app.log' },
    });
  });

  it('refuses viewers, bad requests, unknown and offline devices, and old agents, sending nothing', async () => {
    const { id, agent } = await agentOf();
    const old = await agentOf(1);
    const v = await viewer(viewerRole);
    expect(
      await startFollow(v.socket, { deviceId: id.deviceId, source: file('/var/log/x') }),
    ).toMatchObject({
      ok: false,
      code: 'FOLLOW_FORBIDDEN',
    });
    const t = await viewer(tech);
    for (const bad of [
      null,
      'x',
      { deviceId: id.deviceId },
      { deviceId: 'nope', source: file('/var/log/x') },
      { deviceId: id.deviceId, source: file('relative.log') },
      { deviceId: id.deviceId, source: file('/var/log/*.log') },
      { deviceId: id.deviceId, source: { type: 'journald', unit: '--all' } },
      { deviceId: id.deviceId, source: { type: 'eventlog', log: 'System' } },
      { deviceId: id.deviceId, source: file('/x'), extra: 1 },
    ]) {
      const ack = await startFollow(t.socket, bad);
      expect({ bad, code: ack.ok ? 'ok' : ack.code }).toEqual({ bad, code: 'FOLLOW_INVALID' });
    }
    expect(
      await startFollow(t.socket, {
        deviceId: '00000000-0000-4000-8000-000000000000',
        source: file('/var/log/x'),
      }),
    ).toMatchObject({ ok: false, code: 'FOLLOW_DEVICE_NOT_FOUND' });
    expect(
      await startFollow(t.socket, { deviceId: old.id.deviceId, source: file('/var/log/x') }),
    ).toMatchObject({ ok: false, code: 'FOLLOW_AGENT_TOO_OLD' });
    const offline = await enroll(server.url, token);
    expect(
      await startFollow(t.socket, { deviceId: offline.deviceId, source: file('/var/log/x') }),
    ).toMatchObject({ ok: false, code: 'FOLLOW_DEVICE_OFFLINE' });
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.received.filter((m) => m.type === 'follow_start')).toEqual([]);
  });

  it('shows and audits a refusal by the device; lines for another device are ignored', async () => {
    const { id, agent } = await agentOf();
    const intruder = await agentOf();
    const v = await viewer(tech);
    const ack = await startFollow(v.socket, {
      deviceId: id.deviceId,
      source: file('/var/log/../../etc/shadow'),
    });
    if (!ack.ok) throw new Error(ack.message);
    await agent.next('follow_start');
    // Another device cannot speak for this follow.
    intruder.agent.send('follow_lines', { followId: ack.followId, seq: 0, lines: ['forged'] });
    intruder.agent.send('follow_status', {
      followId: ack.followId,
      state: 'ended',
      reason: 'stopped',
      message: 'forged',
    });
    agent.send('follow_status', {
      followId: ack.followId,
      state: 'ended',
      reason: 'denied',
      message: '/etc/shadow matches deny /etc/shadow',
      realPath: '/etc/shadow',
    });
    const ended = await waitFor(() => Promise.resolve(v.statuses.find((s) => s.state === 'ended')));
    expect(ended).toMatchObject({ reason: 'denied', realPath: '/etc/shadow' });
    expect(v.lines).toEqual([]);
    const refused = await waitFor(async () => {
      const res = await request(server.url)
        .get(`/api/audit?action=log_follow.refused&targetId=${id.deviceId}`)
        .set('Authorization', admin);
      return (res.body as { items: AuditEventResponse[] }).items[0];
    });
    expect(refused.details).toMatchObject({
      followId: ack.followId,
      reason: 'denied',
      realPath: '/etc/shadow',
      what: '/var/log/../../etc/shadow',
    });
  });

  it('stops a follow nobody watches after the idle limit, and tells the agent', async () => {
    const { id, agent } = await agentOf();
    const v = await viewer(tech);
    const ack = await startFollow(v.socket, {
      deviceId: id.deviceId,
      source: { type: 'journald', unit: 'nginx.service' },
    });
    if (!ack.ok) throw new Error(ack.message);
    await agent.next('follow_start');
    agent.send('follow_status', { followId: ack.followId, state: 'following', message: 'ok' });
    // The idle limit (FOLLOW_IDLE_SECONDS, at least 60) made short for the test; swept every 5 s.
    const { follow } = server.config;
    const idleMs = follow.idleMs;
    follow.idleMs = 1500;
    try {
      // Heartbeats keep it: still running two sweeps later.
      for (let i = 0; i < 10; i++) {
        v.socket.emit('follow.heartbeat', ack.followId);
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(v.statuses.some((s) => s.state === 'ended')).toBe(false);
      // No heartbeat from the viewer: it ends, and the agent is told.
      const stop = await agent.next('follow_stop', 15_000);
      expect(stop.body.followId).toBe(ack.followId);
      const ended = await waitFor(() =>
        Promise.resolve(v.statuses.find((s) => s.state === 'ended')),
      );
      expect(ended.reason).toBe('idle');
    } finally {
      follow.idleMs = idleMs;
    }
  }, 40_000);

  it('signs keepalives over the follow ids it still watches', async () => {
    const { id, agent } = await agentOf();
    const v = await viewer(tech);
    const ack = await startFollow(v.socket, {
      deviceId: id.deviceId,
      source: file('/var/log/a.log'),
    });
    if (!ack.ok) throw new Error(ack.message);
    await agent.next('follow_start');
    // The keepalive period is 20 s; call the timer's work directly rather than wait for it.
    (server.app.get(LogFollowService) as unknown as { keepAlive(): void }).keepAlive();
    const keepalive = await agent.next('follow_keepalive');
    expect(keepalive.body.followIds).toEqual([ack.followId]);
    expect(
      verifyPayload(
        id.serverPublicKey,
        followKeepaliveSigningPayload(keepalive.body),
        keepalive.body.signature,
      ),
    ).toBe(true);
    // A device that disconnects ends its follows for the viewer.
    agent.close();
    const ended = await waitFor(() => Promise.resolve(v.statuses.find((s) => s.state === 'ended')));
    expect(ended.message).toMatch(/disconnected/);
  });
});
