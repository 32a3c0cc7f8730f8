import { FrameScheduler, type Pausable } from './frame-scheduler';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const source = (): Pausable & { log: string[] } => {
  const log: string[] = [];
  return { log, pause: () => log.push('pause'), resume: () => log.push('resume') };
};
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until);
};

describe('FrameScheduler', () => {
  it('runs every task once, in the order they came, none of them inline', async () => {
    const scheduler = new FrameScheduler();
    const done: number[] = [];
    const s = source();
    for (let i = 0; i < 10_000; i++) scheduler.push(s, () => done.push(i));
    expect(done).toEqual([]);
    while (scheduler.queued) await tick();
    expect(done).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
  });

  it('yields to the event loop once a slice has used its time', async () => {
    const scheduler = new FrameScheduler(5);
    const order: string[] = [];
    const s = source();
    for (let i = 0; i < 6; i++) {
      scheduler.push(s, () => {
        busy(3);
        order.push(`task${i}`);
      });
    }
    // Queued behind the first slice: it must run before the last tasks do.
    await tick();
    order.push('other');
    while (scheduler.queued) await tick();
    expect(order.indexOf('other')).toBeGreaterThan(0);
    expect(order.indexOf('other')).toBeLessThan(order.length - 1);
    expect(order.filter((x) => x.startsWith('task'))).toEqual(
      Array.from({ length: 6 }, (_, i) => `task${i}`),
    );
  });

  it('pauses a source that fills the queue and resumes it once half has drained', async () => {
    const scheduler = new FrameScheduler(1, 100);
    const chatty = source();
    const quiet = source();
    scheduler.push(quiet, () => undefined);
    for (let i = 0; i < 150; i++) scheduler.push(chatty, () => busy(0.05));
    expect(chatty.log).toEqual(['pause']);
    expect(quiet.log).toEqual([]);
    while (scheduler.queued) await tick();
    expect(chatty.log).toEqual(['pause', 'resume']);
  });

  it('does not resume a source that went away', async () => {
    const scheduler = new FrameScheduler(1, 10);
    const gone = source();
    for (let i = 0; i < 20; i++) scheduler.push(gone, () => undefined);
    scheduler.forget(gone);
    while (scheduler.queued) await tick();
    expect(gone.log).toEqual(['pause']);
  });

  it('reports a task that throws and goes on with the next', async () => {
    const errors: unknown[] = [];
    const scheduler = new FrameScheduler(5, 100, (e) => errors.push(e));
    const done: number[] = [];
    const s = source();
    scheduler.push(s, () => {
      throw new Error('boom');
    });
    scheduler.push(s, () => done.push(2));
    while (scheduler.queued) await tick();
    expect(done).toEqual([2]);
    expect(errors).toHaveLength(1);
  });
});
