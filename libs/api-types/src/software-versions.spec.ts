import {
  compareDpkgVersions,
  compareGenericVersions,
  compareRpmVersions,
  compareVersions,
  newestVersion,
} from './software-versions';

// Each pair is [older, newer], checked both ways round; the cases are the ones the managers'
// own test suites and manuals give (dpkg t-version, rpm rpmvercmp.at, semver.org §11).
const expectOrder = (cmp: (a: string, b: string) => number, pairs: [string, string][]) => {
  for (const [older, newer] of pairs) {
    expect([older, newer, cmp(older, newer)]).toEqual([older, newer, -1]);
    expect([newer, older, cmp(newer, older)]).toEqual([newer, older, 1]);
  }
};

describe('dpkg version order', () => {
  it('orders as dpkg --compare-versions does', () => {
    expectOrder(compareDpkgVersions, [
      ['1.0', '1.1'],
      ['1.9', '1.10'],
      ['1.0~rc1', '1.0'],
      ['1.0~~', '1.0~'],
      ['1.0', '1.0a'],
      ['1.0a', '1.0+'],
      ['1.0-1', '1.0-2'],
      ['1.0-9', '1.0-10'],
      ['2.0', '1:0.1'],
      ['1:2.38.1-5', '1:2.38.1-5+deb12u1'],
      ['9.9.9', '1:0'],
      ['22.01+dfsg-8', '23.01+dfsg-1'],
    ]);
  });

  it('treats equal spellings as equal', () => {
    expect(compareDpkgVersions('1.0', '1.00')).toBe(0);
    expect(compareDpkgVersions('0:1.0', '1.0')).toBe(0);
    expect(compareDpkgVersions('1.0-0', '1.0-0')).toBe(0);
  });
});

describe('rpm version order', () => {
  it('orders as rpmvercmp does', () => {
    expectOrder(compareRpmVersions, [
      ['1.0', '1.0.1'],
      ['1.9', '1.10'],
      ['1.0a', '1.0.1'],
      ['1.0~rc1', '1.0'],
      ['1.0', '1.0^git1'],
      ['1.0^git1', '1.0.1'],
      ['a', '1'],
      ['2.5.0-1.el9', '2.5.0-2.el9'],
      ['9.0-1', '1:1.0-1'],
      ['5.1.16-3.fc39', '5.2.15-1.fc39'],
    ]);
  });

  it('ignores separators and a release present on one side only', () => {
    expect(compareRpmVersions('1.0', '1_0')).toBe(0);
    expect(compareRpmVersions('1.0-1', '1.0')).toBe(0);
    expect(compareRpmVersions('1.001', '1.1')).toBe(0);
  });
});

describe('generic (semver-ish) version order', () => {
  it('orders dotted numbers, pre-releases and apk releases', () => {
    expectOrder(compareGenericVersions, [
      ['1.2.3', '1.2.10'],
      ['1.0.0-alpha', '1.0.0-alpha.1'],
      ['1.0.0-alpha.1', '1.0.0-beta'],
      ['1.0.0-beta', '1.0.0-rc.1'],
      ['1.0.0-rc.1', '1.0.0'],
      ['v1.9', 'v1.10'],
      ['22.01', '23.01'],
      ['1.36.1-r2', '1.36.1-r10'],
      ['1.2.3_rc1-r0', '1.2.3-r0'],
      ['1.2', '1.2.1'],
    ]);
  });

  it('ignores build metadata, a leading v and trailing zeros', () => {
    expect(compareGenericVersions('1.0.0+build.5', '1.0.0')).toBe(0);
    expect(compareGenericVersions('v2.1', '2.1')).toBe(0);
    expect(compareGenericVersions('1.2', '1.2.0')).toBe(0);
  });
});

describe('compareVersions', () => {
  it('picks the rule by source', () => {
    // 1.0~rc1 is older than 1.0 for dpkg; read generically "~rc1" is a pre-release too.
    expect(compareVersions('dpkg', '1.0~rc1', '1.0')).toBe(-1);
    // rpm ignores a release on one side; dpkg reads a missing revision as older.
    expect(compareVersions('rpm', '1.0', '1.0-1')).toBe(0);
    expect(compareVersions('dpkg', '1.0', '1.0-1')).toBe(-1);
  });

  it('puts an empty (unknown) version below every other', () => {
    expect(compareVersions('winget', '', '0')).toBe(-1);
    expect(compareVersions('winget', '1', '')).toBe(1);
  });

  it('finds the newest of a list', () => {
    expect(newestVersion('dpkg', ['22.01+dfsg-8', '1:16.02', '23.01+dfsg-1'])).toBe('1:16.02');
    expect(newestVersion('winget', ['9.0', '23.01', '19.00', ''])).toBe('23.01');
    expect(newestVersion('rpm', [])).toBeNull();
  });
});
