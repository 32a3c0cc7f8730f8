import { diskFreeBytes, diskUsedPercent } from './disk-usage';

const GiB = 1024 ** 3;

describe('diskUsedPercent', () => {
  it('is used / (used + available), rounded up, as df prints Use%', () => {
    // This machine's root volume as df shows it: 252G size, 35G used, 67G avail, 35 %.
    const disk = {
      mount: '/',
      totalBytes: 252 * GiB,
      usedBytes: 35 * GiB,
      availableBytes: 67 * GiB,
    };
    expect(diskUsedPercent(disk)).toBe(35);
    expect(diskFreeBytes(disk)).toBe(67 * GiB);
  });

  it('counts the reserved blocks as unusable: a disk with no space left for users is 100 %', () => {
    const disk = { mount: '/', totalBytes: 100, usedBytes: 95, availableBytes: 0 };
    expect(diskUsedPercent(disk)).toBe(100);
    expect(diskFreeBytes(disk)).toBe(0);
  });

  it('rounds up like df: one byte over a whole percent is the next percent', () => {
    expect(
      diskUsedPercent({ mount: '/', totalBytes: 1000, usedBytes: 101, availableBytes: 899 }),
    ).toBe(11);
    expect(
      diskUsedPercent({ mount: '/', totalBytes: 1000, usedBytes: 100, availableBytes: 900 }),
    ).toBe(10);
  });

  it('falls back to used / size for reports without availableBytes', () => {
    expect(diskUsedPercent({ mount: '/', totalBytes: 200, usedBytes: 50 })).toBe(25);
    expect(diskFreeBytes({ mount: '/', totalBytes: 200, usedBytes: 50 })).toBe(150);
  });

  it('has no percentage for an empty file system', () => {
    expect(diskUsedPercent({ mount: '/x', totalBytes: 0, usedBytes: 0 })).toBeNull();
    expect(
      diskUsedPercent({ mount: '/x', totalBytes: 0, usedBytes: 0, availableBytes: 0 }),
    ).toBeNull();
  });
});
