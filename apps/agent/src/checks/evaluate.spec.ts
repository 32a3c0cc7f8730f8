import type { AgentCheckSpec, HeartbeatBody } from '@fleetdesk/protocol';
import { Hold, thresholdVerdict } from './evaluate';
import { processMatches } from './probes';

const hb = (over: Partial<HeartbeatBody> = {}): HeartbeatBody => ({
  cpuPercent: 50,
  memory: { totalBytes: 1000, usedBytes: 250 },
  // What `df -B1 /` printed on the test machine: 28815990784 used, 80128303104 avail, 27 %.
  disks: [
    {
      mount: '/',
      totalBytes: 270553174016,
      usedBytes: 28815990784,
      availableBytes: 80128303104,
    },
    { mount: '/data', totalBytes: 100, usedBytes: 10, availableBytes: 90 },
  ],
  load: [0.5, 0.4, 0.3],
  uptimeSeconds: 100,
  ...over,
});
const spec = (over: Partial<AgentCheckSpec>): AgentCheckSpec => ({
  id: '5a1c2e3f-4b5d-4c6e-8f70-8192a3b4c5d6',
  kind: 'disk',
  intervalMs: 60_000,
  timeoutMs: 30_000,
  durationMs: 0,
  ...over,
});

describe('thresholdVerdict', () => {
  it("judges a disk on df's Use%, the fullest mount when none is named", () => {
    expect(thresholdVerdict(spec({ thresholdPercent: 26 }), hb())).toEqual({
      status: 'critical',
      message: 'disk / 27 % (threshold 26 %)',
      value: 27,
    });
    expect(thresholdVerdict(spec({ thresholdPercent: 27 }), hb()).status).toBe('ok');
    expect(thresholdVerdict(spec({ thresholdPercent: 5, mount: '/data' }), hb())).toMatchObject({
      status: 'critical',
      value: 10,
    });
    expect(thresholdVerdict(spec({ thresholdPercent: 5, mount: '/nope' }), hb())).toEqual({
      status: 'unknown',
      message: 'no mount /nope on this device',
    });
  });

  it('judges CPU and memory on the same heartbeat', () => {
    expect(thresholdVerdict(spec({ kind: 'cpu', thresholdPercent: 40 }), hb())).toMatchObject({
      status: 'critical',
      value: 50,
    });
    expect(thresholdVerdict(spec({ kind: 'memory', thresholdPercent: 40 }), hb())).toMatchObject({
      status: 'ok',
      value: 25,
    });
    const noMemory = hb({ memory: { totalBytes: 0, usedBytes: 0 } });
    expect(thresholdVerdict(spec({ kind: 'memory', thresholdPercent: 40 }), noMemory).status).toBe(
      'unknown',
    );
  });
});

describe('Hold', () => {
  const bad = { status: 'critical' as const, message: 'disk / 95 %', value: 95 };
  const good = { status: 'ok' as const, message: 'disk / 50 %', value: 50 };

  it('reports an unhealthy state only once it lasted the duration', () => {
    const hold = new Hold();
    expect(hold.apply(bad, 300_000, 0, null)).toMatchObject({
      status: 'ok',
      message: 'disk / 95 %; reported if it lasts 300 s more',
    });
    expect(hold.apply(bad, 300_000, 299_000, good).status).toBe('ok');
    expect(hold.apply(bad, 300_000, 300_000, good)).toEqual(bad);
    // Reported unhealthy: it stays so without a new wait.
    expect(hold.apply(bad, 300_000, 301_000, bad)).toEqual(bad);
  });

  it('starts over after a healthy verdict in between', () => {
    const hold = new Hold();
    hold.apply(bad, 60_000, 0, null);
    expect(hold.apply(good, 60_000, 30_000, null)).toEqual(good);
    expect(hold.apply(bad, 60_000, 61_000, good).status).toBe('ok');
    expect(hold.apply(bad, 60_000, 121_000, good).status).toBe('critical');
  });

  it('reports at once without a duration', () => {
    expect(new Hold().apply(bad, 0, 0, null)).toEqual(bad);
  });
});

describe('processMatches', () => {
  it('matches names as ps, tasklist and /proc/<pid>/comm print them', () => {
    expect(processMatches('nginx', 'nginx')).toBe(true);
    expect(processMatches('NGINX.EXE', 'nginx')).toBe(true);
    // comm is cut at 15 characters.
    expect(processMatches('postgres-export', 'postgres-exporter')).toBe(true);
    expect(processMatches('nginx', 'nginx-proxy')).toBe(false);
    expect(processMatches('nginx-proxy', 'nginx')).toBe(false);
  });
});
