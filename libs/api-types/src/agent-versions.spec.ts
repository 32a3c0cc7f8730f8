import { compareAgentVersions, isAgentOutdated } from './agent-versions';

describe('agent versions', () => {
  it.each([
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.9', 1],
    ['1.0.0', '1.0.0', 0],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-rc.2', '1.0.0-rc.10', -1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-1', '1.0.0-alpha', -1],
    ['1.0.0+build.5', '1.0.0+build.7', 0],
    ['v2.0.0', '2.0.0', 0],
  ] as const)('%s vs %s is %d', (a, b, expected) => {
    expect(compareAgentVersions(a, b)).toBe(expected);
    expect(compareAgentVersions(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it('does not order what is not a version', () => {
    expect(compareAgentVersions('t', '0.1.0')).toBeNull();
    expect(compareAgentVersions('1.2', '1.2.0')).toBeNull();
  });

  it('calls an agent outdated only when the offered version is newer', () => {
    expect(isAgentOutdated('0.1.0', '0.2.0')).toBe(true);
    expect(isAgentOutdated('0.2.0', '0.2.0')).toBe(false);
    expect(isAgentOutdated('0.3.0', '0.2.0')).toBe(false);
    expect(isAgentOutdated('0.1.0', null)).toBe(false);
    expect(isAgentOutdated('weird', '0.2.0')).toBe(false);
  });
});
