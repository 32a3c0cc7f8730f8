import { MONITORING_LIMITS, websiteCheckProblems } from './monitoring';

describe('websiteCheckProblems: the devices a check runs from', () => {
  const base = { name: 'intranet', url: 'https://intranet.example/' };
  const ids = (n: number) =>
    Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);

  it('accepts none, null, or up to the limits', () => {
    expect(websiteCheckProblems(base)).toEqual({});
    expect(websiteCheckProblems({ ...base, runFrom: null })).toEqual({});
    expect(
      websiteCheckProblems({
        ...base,
        runFrom: {
          deviceIds: ids(MONITORING_LIMITS.runFromIds),
          groupIds: ids(MONITORING_LIMITS.runFromIds),
          tags: Array.from({ length: MONITORING_LIMITS.filterTags }, (_, i) => `t${i}`),
        },
      }),
    ).toEqual({});
  });

  it('says which list is too long, as the server would refuse it', () => {
    const over = MONITORING_LIMITS.runFromIds + 1;
    expect(websiteCheckProblems({ ...base, runFrom: { deviceIds: ids(over) } }).runFrom).toBe(
      `At most ${MONITORING_LIMITS.runFromIds} devices`,
    );
    expect(websiteCheckProblems({ ...base, runFrom: { groupIds: ids(over) } }).runFrom).toBe(
      `At most ${MONITORING_LIMITS.runFromIds} groups`,
    );
    const tags = Array.from({ length: MONITORING_LIMITS.filterTags + 1 }, (_, i) => `t${i}`);
    expect(websiteCheckProblems({ ...base, runFrom: { tags } }).runFrom).toBe(
      `At most ${MONITORING_LIMITS.filterTags} tags`,
    );
  });
});
