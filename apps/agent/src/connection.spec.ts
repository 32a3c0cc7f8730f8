import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { CloseCode, generateDeviceKeyPair } from '@fleetdesk/protocol';
import { Backoff } from './backoff';
import { AgentConnection, type Identity, type JobMessage, type Session } from './connection';
import { startReporting } from './reporter';
import { fakeInventory, fakeMetrics } from './sim-fakes';
import { delay, FakeServer, waitFor, type FakeServerOptions } from './test-support/fake-server';
import { recordingLogger } from './test-support/recording-logger';

// Real sockets on a busy 2-core CI box: more headroom than jest's default 5 s.
jest.setTimeout(30_000);

let server: FakeServer;
let agent: AgentConnection | undefined;

afterEach(async () => {
  await agent?.close();
  agent = undefined;
  await server.stop();
});

function identityFor(s: FakeServer): Identity {
  const keys = generateDeviceKeyPair();
  const deviceId = randomUUID();
  s.devices.set(deviceId, keys.publicKey);
  return {
    deviceId,
    privateKey: createPrivateKey(keys.privateKey),
    serverPublicKey: createPublicKey(s.keys.publicKey),
  };
}

async function setup(
  options: FakeServerOptions = {},
  extra: { stableAfterMs?: number; onMessage?: (message: JobMessage) => void } = {},
) {
  server = await new FakeServer(options).start();
  const identity = identityFor(server);
  const log = recordingLogger();
  // random() = 0 makes every backoff delay 0 ms, so reconnects show up at once.
  const backoff = new Backoff({ random: () => 0 });
  const sessions: Session[] = [];
  let revoked = 0;
  const inventory = fakeInventory(identity.deviceId, 'test-host');
  const metrics = fakeMetrics(inventory);
  agent = new AgentConnection({
    serverUrl: server.url,
    identity,
    agentVersion: '0.1.0',
    log,
    backoff,
    handshakeTimeoutMs: 300,
    stableAfterMs: extra.stableAfterMs,
    startSession: (session) => {
      sessions.push(session);
      const reporting = startReporting(session, {
        collectInventory: () => Promise.resolve(inventory),
        collectHeartbeat: () => Promise.resolve(metrics()),
        log,
      });
      return extra.onMessage ? { ...reporting, onMessage: extra.onMessage } : reporting;
    },
    onRevoked: () => (revoked += 1),
  });
  agent.start();
  return { agent, identity, log, backoff, sessions, revoked: () => revoked };
}

const types = (frames: { type: string }[]) => frames.map((f) => f.type);

describe('AgentConnection', () => {
  it('authenticates, sends the inventory first, then a heartbeat every interval', async () => {
    const { identity, sessions } = await setup({ heartbeatIntervalMs: 1_000 });
    const conn = await waitFor(() => server.connections[0], 2_000, 'a connection');
    await waitFor(() => conn.frames.length >= 4, 3_000, 'four frames');

    expect(types(conn.frames).slice(0, 4)).toEqual(['auth', 'inventory', 'heartbeat', 'heartbeat']);
    expect(conn.deviceId).toBe(identity.deviceId);
    expect(conn.invalid).toEqual([]);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.heartbeatIntervalMs).toBe(1_000);
    const auth = conn.frames[0];
    expect(auth?.type === 'auth' && auth.body.agentVersion).toBe('0.1.0');
    expect(agent?.currentState).toBe('authenticated');
  });

  it('drops a server that cannot prove the pinned key and sends it nothing more', async () => {
    const { log, sessions } = await setup({ impostor: true });
    // Zero backoff: the agent retries at once, and must distrust every attempt alike.
    await waitFor(() => server.connections.filter((c) => c.closed).length >= 2, 3_000, 'closes');
    await delay(100);

    for (const conn of server.connections.filter((c) => c.closed)) {
      expect(types(conn.frames)).toEqual(['auth']);
      expect(conn.closed?.code).toBe(1006); // terminated: not even a close frame
    }
    expect(sessions).toHaveLength(0);
    expect(log.has('error', /SERVER AUTHENTICATION FAILED/)).toBe(true);
  });

  it('stops for good, without reconnecting, when the server says revoked (4002)', async () => {
    const { revoked, log } = await setup();
    const conn = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    server.close(conn, CloseCode.REVOKED, 'revoked');

    await waitFor(() => revoked() === 1, 2_000, 'onRevoked');
    await delay(300);
    expect(server.connections).toHaveLength(1);
    expect(agent?.currentState).toBe('stopped');
    expect(log.has('error', /revoked/)).toBe(true);
  });

  it.each([
    CloseCode.GOING_AWAY,
    CloseCode.AUTH_FAILED,
    CloseCode.REPLACED,
    CloseCode.INTERNAL_ERROR,
  ])('reconnects and authenticates again after close %i', async (code) => {
    const { revoked } = await setup();
    const first = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    server.close(first, code);

    await waitFor(() => server.authenticated[1], 3_000, 'a second authenticated connection');
    expect(revoked()).toBe(0);
  });

  it('keeps growing the backoff when each connection is replaced right after auth', async () => {
    const { backoff } = await setup();
    for (let i = 0; i < 3; i += 1) {
      const conn = await waitFor(() => server.authenticated[i], 3_000, `auth #${i}`);
      server.close(conn, CloseCode.REPLACED);
    }
    await waitFor(() => server.authenticated[3], 3_000, 'auth #3');
    // Authenticating did not reset it: a REPLACED ping-pong between two copies slows down.
    expect(backoff.attempt).toBe(3);
  });

  it('resets the backoff once a connection has stayed up for a while', async () => {
    const { backoff } = await setup({}, { stableAfterMs: 100 });
    const first = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    server.close(first, CloseCode.GOING_AWAY);
    await waitFor(() => server.authenticated[1], 3_000, 'reconnect');
    expect(backoff.attempt).toBe(1);
    await waitFor(() => backoff.attempt === 0, 1_000, 'backoff reset');
  });

  it('ignores invalid frames from the server and carries on', async () => {
    const { log } = await setup({ heartbeatIntervalMs: 1_000 });
    const conn = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    conn.ws.send('not json');
    conn.ws.send(JSON.stringify({ v: 1, type: 'job', id: 'x'.repeat(16), ts: 1, body: {} }));
    conn.ws.send(JSON.stringify({ v: 99, type: 'ack', id: 'x'.repeat(16), ts: 1, body: {} }));

    const before = conn.frames.length;
    await waitFor(() => conn.frames.length > before + 1, 3_000, 'more heartbeats');
    expect(log.has('warn', /invalid frame INVALID_JSON/)).toBe(true);
    expect(log.has('warn', /invalid frame UNKNOWN_TYPE/)).toBe(true);
    expect(log.has('warn', /invalid frame UNSUPPORTED_VERSION/)).toBe(true);
    expect(conn.closed).toBeUndefined();
  });

  it('hands run, cancel and result_ack to the session', async () => {
    const got: JobMessage[] = [];
    const { identity } = await setup({}, { onMessage: (m) => got.push(m) });
    const conn = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    const runId = randomUUID();
    server.send(conn, 'result_ack', { runId });
    server.sendCancel(conn, runId, identity.deviceId);
    server.sendRun(conn, server.runSpec(identity.deviceId, { runId }));
    await waitFor(() => got.length === 3, 2_000, 'three job messages');
    expect(got.map((m) => m.type)).toEqual(['result_ack', 'cancel', 'run']);
    expect(
      got.map((m) =>
        m.type === 'run' || m.type === 'run_action'
          ? m.body.spec.runId
          : m.type === 'results_ack'
            ? m.body.runIds[0]
            : m.body.runId,
      ),
    ).toEqual([runId, runId, runId]);
  });

  it('logs and drops job messages when the session takes no jobs', async () => {
    const { log } = await setup();
    const conn = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    server.send(conn, 'result_ack', { runId: randomUUID() });
    await waitFor(() => log.has('warn', /unhandled result_ack/), 2_000, 'the warning');
    expect(conn.closed).toBeUndefined();
  });

  it('logs error frames from the server', async () => {
    const { log } = await setup();
    const conn = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    conn.ws.send(
      JSON.stringify({
        v: 1,
        type: 'error',
        id: 'e'.repeat(16),
        ts: Date.now(),
        body: { code: 'RATE_LIMITED', message: 'slow down' },
      }),
    );
    await waitFor(() => log.has('warn', /RATE_LIMITED: slow down/), 2_000, 'the error logged');
  });

  it('gives up on a server that never completes the handshake, then retries', async () => {
    const { log } = await setup({ silent: true });
    await waitFor(() => server.connections.length >= 2, 3_000, 'a retry');
    expect(log.has('warn', /handshake timed out/)).toBe(true);
    expect(types(server.connections[0]?.frames ?? [])).toEqual([]);
  });

  it('close() says goodbye with 1000 and never reconnects', async () => {
    await setup();
    const conn = await waitFor(() => server.authenticated[0], 2_000, 'authentication');
    await agent?.close();

    await waitFor(() => conn.closed, 2_000, 'the close');
    expect(conn.closed).toEqual({ code: CloseCode.NORMAL, by: 'agent' });
    await delay(200);
    expect(server.connections).toHaveLength(1);
    expect(agent?.currentState).toBe('stopped');
  });
});
