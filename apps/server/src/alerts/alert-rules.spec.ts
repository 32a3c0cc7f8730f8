import { alertStep, type FlapCounters } from './alert-rules';

/** Replays outcomes through the counters as AlertsService keeps them, returning the steps. */
function replay(outcomes: boolean[], fail: number, success: number) {
  const c: FlapCounters = { failures: 0, successes: 0 };
  let open = false;
  const steps: string[] = [];
  for (const ok of outcomes) {
    c.failures = ok ? 0 : c.failures + 1;
    c.successes = ok ? c.successes + 1 : 0;
    const step = alertStep(c, ok, { fail, success }, open);
    if (step === 'fire') open = true;
    if (step === 'resolve') open = false;
    steps.push(step);
  }
  return steps;
}

describe('alertStep (flap protection)', () => {
  it('fires after N consecutive failures and resolves after M consecutive successes', () => {
    expect(replay([false, false, false, true, true], 2, 2)).toEqual([
      'none',
      'fire',
      'update',
      'none',
      'resolve',
    ]);
  });

  it('never fires for a check alternating pass and fail when N > 1', () => {
    const flapping = Array.from({ length: 20 }, (_, i) => i % 2 === 0);
    expect(replay(flapping, 2, 1)).not.toContain('fire');
  });

  it('keeps a fired alert open through alternating results when M > 1', () => {
    const steps = replay([false, true, false, true, false, true, false], 1, 2);
    expect(steps.filter((s) => s === 'fire')).toHaveLength(1);
    expect(steps).not.toContain('resolve');
  });

  it('with N = M = 1 follows every result', () => {
    expect(replay([false, true, false], 1, 1)).toEqual(['fire', 'resolve', 'fire']);
  });
});
