import type { HeartbeatBody } from '@fleetdesk/protocol';
import type { Session } from './connection';
import { INVENTORY_INTERVAL_MS, startReporting, type ReporterOptions } from './reporter';
import { fakeInventory, fakeMetrics } from './sim-fakes';
import { recordingLogger } from './test-support/recording-logger';

const inventory = fakeInventory('3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b', 'h');

function fakeSession(heartbeatIntervalMs = 10_000) {
  const sent: { type: string; at: number }[] = [];
  const session: Session = {
    deviceId: 'd',
    heartbeatIntervalMs,
    send: (type) => sent.push({ type, at: Date.now() }) > 0,
    protocolVersion: 7,
    sendBinary: () => true,
    sendFrame: (frame) =>
      sent.push({ type: (JSON.parse(frame) as { type: string }).type, at: Date.now() }) > 0,
  };
  return { session, sent };
}

const options = (extra: Partial<ReporterOptions> = {}): ReporterOptions => ({
  collectInventory: () => Promise.resolve(inventory),
  collectHeartbeat: () => Promise.resolve(fakeMetrics(inventory)()),
  log: recordingLogger(),
  ...extra,
});

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

describe('startReporting', () => {
  it('sends the inventory, then a heartbeat at once and every interval', async () => {
    const { session, sent } = fakeSession(10_000);
    const handle = startReporting(session, options());
    await jest.advanceTimersByTimeAsync(35_000);
    handle.close();

    expect(sent.map((s) => s.type)).toEqual([
      'inventory',
      'heartbeat',
      'heartbeat',
      'heartbeat',
      'heartbeat',
    ]);
    expect(sent.map((s) => s.at - 1_000_000)).toEqual([0, 0, 10_000, 20_000, 30_000]);
  });

  it('re-sends the inventory every 24 hours', async () => {
    const { session, sent } = fakeSession(3_600_000);
    const handle = startReporting(session, options());
    await jest.advanceTimersByTimeAsync(INVENTORY_INTERVAL_MS + 1);
    handle.close();
    expect(sent.filter((s) => s.type === 'inventory')).toHaveLength(2);
  });

  it('stops every timer on close, even with a collection in flight', async () => {
    const { session, sent } = fakeSession(1_000);
    let finish: (b: HeartbeatBody) => void = () => {};
    const handle = startReporting(
      session,
      options({ collectHeartbeat: () => new Promise((resolve) => (finish = resolve)) }),
    );
    await jest.advanceTimersByTimeAsync(1);
    handle.close();
    finish(fakeMetrics(inventory)());
    await jest.advanceTimersByTimeAsync(60_000);
    expect(sent.map((s) => s.type)).toEqual(['inventory']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('spreads first heartbeats over the interval and jitters periods within bounds', async () => {
    const firsts: number[] = [];
    const periods: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const { session, sent } = fakeSession(10_000);
      const start = Date.now();
      const handle = startReporting(
        session,
        options({ firstHeartbeatDelayMs: (ms) => Math.random() * ms, jitter: 0.1 }),
      );
      await jest.advanceTimersByTimeAsync(25_000);
      handle.close();
      const beats = sent.filter((s) => s.type === 'heartbeat').map((s) => s.at - start);
      firsts.push(beats[0] ?? -1);
      periods.push((beats[1] ?? 0) - (beats[0] ?? 0));
    }
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...firsts)).toBeLessThan(10_000);
    expect(Math.max(...firsts) - Math.min(...firsts)).toBeGreaterThan(5_000);
    for (const p of periods) {
      expect(p).toBeGreaterThanOrEqual(9_000);
      expect(p).toBeLessThanOrEqual(11_000);
    }
    expect(new Set(periods).size).toBeGreaterThan(10);
  });
});
