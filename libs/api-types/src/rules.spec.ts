import { UNSUCCESSFUL_RUN_STATES } from './job-outcome';
import type { RunState } from './jobs';
import { ROLES, roleAtLeast } from './roles';
import { FAILED_RUN_STATES, OPEN_RUN_STATES, RUN_STATES, TERMINAL_RUN_STATES } from './states';
import { normalizeTag, TAG_MAX_LENGTH, tagProblem } from './tags';
import type { Role } from './users';

describe('roleAtLeast', () => {
  const cases: [Role, Role, boolean][] = [
    ['viewer', 'viewer', true],
    ['viewer', 'technician', false],
    ['viewer', 'admin', false],
    ['technician', 'viewer', true],
    ['technician', 'technician', true],
    ['technician', 'admin', false],
    ['admin', 'viewer', true],
    ['admin', 'technician', true],
    ['admin', 'admin', true],
  ];
  it.each(cases)('%s holds at least %s: %s', (role, needed, expected) => {
    expect(roleAtLeast(role, needed)).toBe(expected);
  });

  it('covers every pair of roles', () => {
    expect(cases).toHaveLength(ROLES.length ** 2);
  });
});

describe('tags', () => {
  it.each(['web', 'site:paris', 'v1.2', 'a_b-c', '0', 'x'.repeat(TAG_MAX_LENGTH)])(
    'accepts %s',
    (tag) => expect(tagProblem(tag)).toBeNull(),
  );

  it.each(['', 'Web', '-web', '.web', 'a b', 'a/b', 'é', 'x'.repeat(TAG_MAX_LENGTH + 1)])(
    'refuses %p',
    (tag) => expect(tagProblem(tag)).not.toBeNull(),
  );

  it('normalises to the accepted form', () => {
    expect(normalizeTag('  Site:Paris ')).toBe('site:paris');
    expect(tagProblem(normalizeTag(' WEB '))).toBeNull();
  });
});

describe('run state sets', () => {
  const has = (list: readonly RunState[], s: RunState) => list.includes(s);

  it('splits every state into open or terminal', () => {
    for (const s of RUN_STATES) expect(has(OPEN_RUN_STATES, s)).toBe(!has(TERMINAL_RUN_STATES, s));
    expect(OPEN_RUN_STATES.length + TERMINAL_RUN_STATES.length).toBe(RUN_STATES.length);
  });

  it('counts only runs that ran and went wrong against the failure threshold', () => {
    expect([...FAILED_RUN_STATES].sort()).toEqual(['failed', 'lost', 'timed_out']);
    for (const s of FAILED_RUN_STATES) expect(has(TERMINAL_RUN_STATES, s)).toBe(true);
  });

  it('calls the failed ones and expired unsuccessful, never cancelled', () => {
    expect([...UNSUCCESSFUL_RUN_STATES].sort()).toEqual([...FAILED_RUN_STATES, 'expired'].sort());
    expect(has(UNSUCCESSFUL_RUN_STATES, 'cancelled')).toBe(false);
  });
});
