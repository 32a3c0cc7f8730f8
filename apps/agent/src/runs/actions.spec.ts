import { createPrivateKey, createPublicKey, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ActionRunSpec,
  actionRunSigningPayload,
  generateDeviceKeyPair,
  newNonce,
  signPayload,
} from '@fleetdesk/protocol';
import { Backoff } from '../backoff';
import { AgentConnection, type Identity } from '../connection';
import { FakeServer, waitFor } from '../test-support/fake-server';
import { recordingLogger } from '../test-support/recording-logger';
import { type ActionHandlers, type ActionOutcome, RunManager } from './runs';

jest.setTimeout(30_000);

let server: FakeServer;
let stateDir: string;
let identity: Identity;
const agents: { stop(): Promise<void> }[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'fleetdesk-actions-'));
  server = await new FakeServer().start();
  const keys = generateDeviceKeyPair();
  const deviceId = randomUUID();
  server.devices.set(deviceId, keys.publicKey);
  identity = {
    deviceId,
    privateKey: createPrivateKey(keys.privateKey),
    serverPublicKey: createPublicKey(server.keys.publicKey),
  };
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.stop()));
  await server.stop();
  await rm(stateDir, { recursive: true, force: true });
});

async function startAgent(actions: ActionHandlers) {
  const log = recordingLogger();
  const runs = await RunManager.open({
    stateDir,
    deviceId: identity.deviceId,
    serverPublicKey: identity.serverPublicKey,
    log,
    flushMs: 20,
    actions,
  });
  const connection = new AgentConnection({
    serverUrl: server.url,
    identity,
    agentVersion: '0.1.0',
    log,
    backoff: new Backoff({ random: () => 0 }),
    startSession: (session) => runs.attach(session),
    onRevoked: () => {},
  });
  connection.start();
  let stopped = false;
  const agent = {
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await runs.close();
      await connection.close();
    },
  };
  agents.push(agent);
  return agent;
}

const actionSpec = (): ActionRunSpec => ({
  runId: randomUUID(),
  jobId: randomUUID(),
  deviceId: identity.deviceId,
  action: {
    kind: 'agent_update',
    version: '0.2.0',
    trialTimeoutMs: 60_000,
    // The handler under test never looks at the build; only its shape must be valid.
    builds: [
      {
        platform: 'linux-x64',
        version: '0.2.0',
        sha256: 'a'.repeat(64),
        size: 1,
        signature: Buffer.alloc(64).toString('base64'),
      },
    ],
  },
  timeoutMs: 60_000,
  expiresAt: Date.now() + 60_000,
  issuedAt: Date.now(),
  nonce: newNonce(),
});
const signed = (spec: ActionRunSpec, key = server.keys.privateKey) => ({
  spec,
  signature: signPayload(key, actionRunSigningPayload(spec)),
});
const connected = (n = 0) => waitFor(() => server.authenticated[n], 5_000, `connection #${n}`);
const resultOf = (runId: string, n = 1) =>
  waitFor(() => server.received('result', runId)[n - 1], 10_000, `result #${n} of ${runId}`);

/** A handler that counts its calls and reports what it is told to. */
function counting(outcome: ActionOutcome = { outcome: 'succeeded' }) {
  const calls: string[] = [];
  const handlers: ActionHandlers = {
    agent_update: (action, ctx) => {
      calls.push(ctx.runId);
      ctx.say(`installing ${action.version}`);
      return Promise.resolve(outcome);
    },
  };
  return { calls, handlers };
}

describe('action runs', () => {
  it('performs an action once, with its output and result, and re-sends the result instead of repeating it', async () => {
    const { calls, handlers } = counting({ outcome: 'failed', error: 'hash mismatch' });
    await startAgent(handlers);
    const conn = await connected();
    const spec = actionSpec();
    server.send(conn, 'run_action', signed(spec));
    expect(await resultOf(spec.runId)).toMatchObject({
      outcome: 'failed',
      error: 'hash mismatch',
      lastSeq: 0,
    });
    expect(server.received('run_accepted', spec.runId)).toHaveLength(1);
    expect(server.received('output', spec.runId).map((o) => o.data)).toEqual([
      'installing 0.2.0\n',
    ]);

    server.send(conn, 'run_action', signed(spec));
    await resultOf(spec.runId, 2);
    expect(calls).toEqual([spec.runId]);
  });

  it('keeps the result across a restart (the handover), and never performs the action again', async () => {
    const { calls, handlers } = counting();
    const first = await startAgent(handlers);
    const conn = await connected();
    const spec = actionSpec();
    server.send(conn, 'run_action', signed(spec));
    await resultOf(spec.runId);
    await first.stop();

    // The next program (the new version after an update) starts on the same state.
    await startAgent(handlers);
    const again = await connected(1);
    await waitFor(() => server.received('result', spec.runId).length >= 2, 10_000, 'resent');
    server.send(again, 'run_action', signed(spec));
    await waitFor(() => server.received('result', spec.runId).length >= 3, 10_000, 'resent');
    expect(calls).toEqual([spec.runId]);
    server.send(again, 'result_ack', { runId: spec.runId });
  });

  it('runs afterResult only once the result is saved', async () => {
    let afterResult = 0;
    await startAgent({
      agent_update: () =>
        Promise.resolve({ outcome: 'succeeded', afterResult: () => void (afterResult += 1) }),
    });
    const conn = await connected();
    const spec = actionSpec();
    server.send(conn, 'run_action', signed(spec));
    await resultOf(spec.runId);
    await waitFor(() => afterResult === 1, 2_000, 'afterResult');
  });

  it('refuses an action not signed by the pinned server key', async () => {
    const { calls, handlers } = counting();
    await startAgent(handlers);
    const conn = await connected();
    const forged = actionSpec();
    server.send(conn, 'run_action', signed(forged, generateDeviceKeyPair().privateKey));
    expect(
      await waitFor(() => server.received('run_rejected', forged.runId)[0], 5_000, 'rejection'),
    ).toMatchObject({ reason: 'bad_signature' });
    expect(calls).toEqual([]);
  });

  it('refuses an action kind without a handler', async () => {
    await startAgent({});
    const conn = await connected();
    const spec = actionSpec();
    server.send(conn, 'run_action', signed(spec));
    expect(
      await waitFor(() => server.received('run_rejected', spec.runId)[0], 5_000, 'rejection'),
    ).toMatchObject({
      reason: 'invalid',
      message: 'this agent does not perform agent_update actions',
    });
  });
});
