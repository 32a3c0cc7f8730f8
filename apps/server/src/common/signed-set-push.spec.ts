import { type SetPushGateway, type SetPushSource, SignedSetPusher } from './signed-set-push';

/** The gateway's per-node view, reduced to what the pusher reads. */
class FakeGateway implements SetPushGateway {
  readonly sockets = new Map<string, { protocol: number }>();
  private listener?: (deviceId: string) => void;

  connect(deviceId: string, protocol = 6): void {
    this.sockets.set(deviceId, { protocol });
    this.listener?.(deviceId);
  }
  connectionOf = (id: string) => this.sockets.get(id);
  protocolVersion = (id: string) => this.sockets.get(id)?.protocol;
  connectedDeviceIds = () => [...this.sockets.keys()];
  onAuthenticated(listener: (deviceId: string) => void): void {
    this.listener = listener;
  }
}

class FakeSource implements SetPushSource<string[]> {
  revision = 1;
  loadedRevision = 0;
  loads = 0;
  sets = new Map<string, string[]>();
  sent: [string, string[]][] = [];
  refuse = new Set<string>();
  beforeTicks = 0;

  load(): Promise<boolean> {
    this.loads += 1;
    const moved = this.revision !== this.loadedRevision;
    this.loadedRevision = this.revision;
    return Promise.resolve(moved);
  }
  setsOf(ids: string[]): Promise<Map<string, string[]>> {
    return Promise.resolve(new Map(ids.map((id) => [id, this.sets.get(id) ?? []])));
  }
  send(deviceId: string, set: string[]): boolean {
    if (this.refuse.has(deviceId)) return false;
    this.sent.push([deviceId, set]);
    return true;
  }
  beforeTick(): Promise<void> {
    this.beforeTicks += 1;
    return Promise.resolve();
  }
}

describe('SignedSetPusher', () => {
  let gateway: FakeGateway;
  let source: FakeSource;
  let pusher: SignedSetPusher<string[]>;

  beforeEach(() => {
    gateway = new FakeGateway();
    source = new FakeSource();
    // tickMs 0: no timer; the test ticks by hand.
    pusher = new SignedSetPusher('Test', gateway, source, { sinceProtocol: 3, tickMs: 0 });
  });
  afterEach(() => pusher.stop());

  it('sends a new socket its set, even empty, and the same socket only a change', async () => {
    gateway.connect('a');
    gateway.connect('b');
    source.sets.set('a', ['x']);
    expect(await pusher.deliver(['a', 'b'])).toBe(2);
    expect(source.sent).toEqual([
      ['a', ['x']],
      ['b', []],
    ]);

    await pusher.tickNow();
    expect(source.sent).toHaveLength(2);

    source.sets.set('b', ['y']);
    source.revision += 1;
    await pusher.tickNow();
    expect(source.sent.slice(2)).toEqual([['b', ['y']]]);
  });

  it('sends the same set again to a device that came back on a new socket', async () => {
    gateway.connect('a');
    await pusher.deliver(['a']);
    gateway.sockets.delete('a');
    await pusher.tickNow();
    gateway.connect('a');
    expect(await pusher.deliver(['a'])).toBe(1);
    expect(source.sent).toEqual([
      ['a', []],
      ['a', []],
    ]);
  });

  it('never sends to an agent older than the message, nor to a device held elsewhere', async () => {
    gateway.connect('old', 2);
    expect(await pusher.deliver(['old', 'elsewhere'])).toBe(0);
    expect(source.sent).toEqual([]);
  });

  it('keeps nothing for a send the socket refused, so the next pass tries again', async () => {
    gateway.connect('a');
    source.refuse.add('a');
    expect(await pusher.deliver(['a'])).toBe(0);
    source.refuse.clear();
    source.revision += 1;
    await pusher.tickNow();
    expect(source.sent).toEqual([['a', []]]);
  });

  it('reads the source once a tick, after the hook, and re-reads before serving arrivals', async () => {
    await pusher.tickNow();
    expect([source.beforeTicks, source.loads]).toEqual([1, 1]);
    await pusher.deliver([]);
    expect(source.loads).toBe(2);
  });

  it('serves devices that authenticate together in one batch', async () => {
    jest.useFakeTimers();
    try {
      pusher.start();
      gateway.connect('a');
      gateway.connect('b');
      expect(source.sent).toEqual([]);
      await jest.advanceTimersByTimeAsync(100);
      expect(source.loads).toBe(1);
      expect(source.sent.map(([id]) => id)).toEqual(['a', 'b']);
    } finally {
      jest.useRealTimers();
    }
  });
});
