import { createPrivateKey, createPublicKey } from 'node:crypto';
import {
  type AgentCheckSpec,
  type ChecksBody,
  checksSigningPayload,
  generateDeviceKeyPair,
  type MessageBodies,
  signPayload,
} from '@fleetdesk/protocol';
import type { Session } from '../connection';
import { silentLogger } from '../log';
import { AgentChecks } from './checks';
import type { Verdict } from './evaluate';

const deviceId = '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b';
const server = generateDeviceKeyPair();
const disk: AgentCheckSpec = {
  id: '5a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6',
  kind: 'disk',
  thresholdPercent: 50,
  intervalMs: 60_000,
  timeoutMs: 30_000,
  durationMs: 0,
};
const tcp: AgentCheckSpec = {
  id: '6b2d3f40-5c6e-4d7f-8a81-92a3b4c5d6e7',
  kind: 'tcp',
  host: '127.0.0.1',
  port: 1,
  intervalMs: 5_000,
  timeoutMs: 1_000,
  durationMs: 0,
};

function signed(checks: AgentCheckSpec[], issuedAt = Date.now(), key = server.privateKey) {
  const body = { deviceId, issuedAt, summaryIntervalMs: 60_000, checks };
  return { ...body, signature: signPayload(createPrivateKey(key), checksSigningPayload(body)) };
}

function fakeSession() {
  const sent: MessageBodies['check_results'][] = [];
  const session: Session = {
    deviceId,
    heartbeatIntervalMs: 30_000,
    send: (type, body) => {
      if (type === 'check_results') sent.push(body as MessageBodies['check_results']);
      return true;
    },
    sendFrame: () => true,
    protocolVersion: 7,
    sendBinary: () => true,
  };
  return { session, sent };
}

const heartbeat = (usedPercent: number) => ({
  cpuPercent: 1,
  memory: { totalBytes: 100, usedBytes: 1 },
  disks: [
    { mount: '/', totalBytes: 100, usedBytes: usedPercent, availableBytes: 100 - usedPercent },
  ],
  load: [0, 0, 0] as [number, number, number],
  uptimeSeconds: 1,
});

describe('AgentChecks', () => {
  let checks: AgentChecks;
  const probe = jest.fn<Promise<Verdict>, [AgentCheckSpec]>();
  beforeEach(() => {
    jest.useFakeTimers();
    probe.mockReset();
    probe.mockResolvedValue({ status: 'critical', message: '127.0.0.1:1: ECONNREFUSED' });
    checks = new AgentChecks({
      deviceId,
      serverPublicKey: createPublicKey(server.publicKey),
      log: silentLogger,
      probe,
    });
  });
  afterEach(() => {
    checks.close();
    jest.useRealTimers();
  });

  it('refuses a set not signed by the pinned server key, for another device, or older', () => {
    const other = generateDeviceKeyPair();
    expect(checks.configure(signed([disk], Date.now(), other.privateKey))).toBe(false);
    const forgedScript: ChecksBody = { ...signed([disk]), checks: [{ ...disk, kind: 'cpu' }] };
    expect(checks.configure(forgedScript)).toBe(false);
    expect(checks.configure({ ...signed([disk]), deviceId: disk.id })).toBe(false);
    expect(checks.size).toBe(0);
    expect(checks.configure(signed([disk], 2_000))).toBe(true);
    expect(checks.configure(signed([], 1_000))).toBe(false);
    expect(checks.size).toBe(1);
  });

  it('sends a change at once (batched), every state in each summary, and stops on close', async () => {
    const { session, sent } = fakeSession();
    checks.attach(session);
    checks.configure(signed([disk, tcp]));
    checks.onHeartbeat(heartbeat(80));
    await jest.advanceTimersByTimeAsync(250);
    // The probe ran at once too: both changes in one frame.
    expect(sent).toHaveLength(1);
    expect(sent[0].results.map((r) => [r.checkId, r.status, r.value])).toEqual([
      [disk.id, 'critical', 80],
      [tcp.id, 'critical', undefined],
    ]);
    // Same state again: nothing until the summary.
    checks.onHeartbeat(heartbeat(81));
    await jest.advanceTimersByTimeAsync(5_000);
    expect(sent).toHaveLength(1);
    checks.onHeartbeat(heartbeat(10));
    await jest.advanceTimersByTimeAsync(250);
    expect(sent[1].results).toEqual([expect.objectContaining({ checkId: disk.id, status: 'ok' })]);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(sent.at(-1)?.results.map((r) => r.checkId)).toEqual([disk.id, tcp.id]);
    const probes = probe.mock.calls.length;
    expect(probes).toBeGreaterThan(5);
    checks.close();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(probe.mock.calls.length).toBe(probes);
  });

  it('an empty set stops every check and its timer', async () => {
    checks.configure(signed([tcp], 1));
    await jest.advanceTimersByTimeAsync(10);
    checks.configure(signed([], 2));
    const n = probe.mock.calls.length;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(probe.mock.calls.length).toBe(n);
    expect(checks.size).toBe(0);
  });
});
