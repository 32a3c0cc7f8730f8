import { createPublicKey, randomUUID } from 'node:crypto';
import {
  type ActionRunSpec,
  actionRunSigningPayload,
  type AgentMessageType,
  generateDeviceKeyPair,
  type MessageBodies,
  newNonce,
  signPayload,
} from '@fleetdesk/protocol';
import type { JobMessage, Session } from '../connection';
import { recordingLogger } from '../test-support/recording-logger';
import type { ActionHandler } from './runs';
import { SimRuns } from './sim-runs';

const server = generateDeviceKeyPair();
const deviceId = randomUUID();

function harness(collectLogs?: ActionHandler<'collect_logs'>) {
  const sent: { type: AgentMessageType; body: unknown }[] = [];
  const session: Session = {
    deviceId,
    heartbeatIntervalMs: 1000,
    send: <T extends AgentMessageType>(type: T, body: MessageBodies[T]) => {
      sent.push({ type, body });
      return true;
    },
    sendFrame: () => true,
    protocolVersion: 7,
    sendBinary: () => true,
  };
  const runs = new SimRuns({
    deviceId,
    hostname: 'sim-1',
    serverPublicKey: createPublicKey(server.publicKey),
    log: recordingLogger(),
    collectLogs,
  });
  const handle = runs.attach(session);
  const deliver = (spec: ActionRunSpec, key = server.privateKey) =>
    handle.onMessage?.({
      v: 4,
      type: 'run_action',
      id: randomUUID(),
      ts: Date.now(),
      body: { spec, signature: signPayload(key, actionRunSigningPayload(spec)) },
    } as JobMessage);
  return { sent, deliver };
}

const collectSpec = (): ActionRunSpec => ({
  runId: randomUUID(),
  jobId: randomUUID(),
  deviceId,
  action: {
    kind: 'collect_logs',
    sources: [{ type: 'file', path: '/var/log/app.log' }],
    maxBytesPerSource: 1024,
    maxBundleBytes: 4096,
    allow: ['/var/log/**'],
    deny: [],
  },
  timeoutMs: 60_000,
  expiresAt: Date.now() + 60_000,
  issuedAt: Date.now(),
  nonce: newNonce(),
});

const settle = () => new Promise((r) => setImmediate(r));

describe('simulated agents and log collection (simulate --collect-logs)', () => {
  it('performs a signed collect_logs with the real handler it is given, once', async () => {
    const calls: string[] = [];
    const { sent, deliver } = harness((action, ctx) => {
      calls.push(ctx.runId);
      ctx.say(`collected ${action.sources.length} source(s)`);
      return Promise.resolve({ outcome: 'succeeded' });
    });
    const spec = collectSpec();
    deliver(spec);
    await settle();
    expect(calls).toEqual([spec.runId]);
    expect(sent.map((m) => m.type)).toEqual(['run_accepted', 'result']);
    expect(sent[1].body).toMatchObject({
      runId: spec.runId,
      outcome: 'succeeded',
      output: [{ seq: 0, stream: 'stdout', data: 'collected 1 source(s)\n' }],
    });
    // Delivered again before the ack: the same result again, not a second collection.
    deliver(spec);
    await settle();
    expect(calls).toHaveLength(1);
    expect(sent.at(-1)).toMatchObject({ type: 'result', body: { runId: spec.runId } });
  });

  it('reports a failed or throwing collection as a failed run', async () => {
    const { sent, deliver } = harness(() => Promise.reject(new Error('disk full')));
    const spec = collectSpec();
    deliver(spec);
    await settle();
    expect(sent.at(-1)).toMatchObject({
      type: 'result',
      body: { runId: spec.runId, outcome: 'failed', error: 'collection failed: disk full' },
    });
  });

  it('refuses what the real agent refuses, and every action without the flag', async () => {
    let called = false;
    const { sent, deliver } = harness(() => {
      called = true;
      return Promise.resolve({ outcome: 'succeeded' });
    });
    deliver(collectSpec(), generateDeviceKeyPair().privateKey);
    deliver({ ...collectSpec(), deviceId: randomUUID() });
    deliver({ ...collectSpec(), expiresAt: Date.now() - 1 });
    await settle();
    expect(called).toBe(false);
    expect(sent.map((m) => (m.body as { reason: string }).reason)).toEqual([
      'bad_signature',
      'wrong_device',
      'expired',
    ]);
    const plain = harness();
    plain.deliver(collectSpec());
    expect(plain.sent).toEqual([
      expect.objectContaining({
        type: 'run_rejected',
        body: expect.objectContaining({ reason: 'invalid' }) as unknown,
      }),
    ]);
  });
});
