import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { diskUsedPercent } from '@fleetdesk/api-types';
import { collectHeartbeat } from './heartbeat';

/** `df -P -k` (POSIX format): mount → the Use% df itself prints. */
async function dfUsePercent(): Promise<Map<string, number>> {
  const { stdout } = await promisify(execFile)('df', ['-P', '-k'], { timeout: 10_000 });
  const byMount = new Map<string, number>();
  for (const line of stdout.trim().split('\n').slice(1)) {
    // The mount point is everything after the capacity column, so it may contain spaces.
    const m = /^\S+(?:\s+\S+)*?\s+\d+\s+\d+\s+\d+\s+(\d+)%\s+(.+)$/.exec(line);
    if (m) byMount.set(m[2], Number(m[1]));
  }
  return byMount;
}

const posix = process.platform === 'linux' || process.platform === 'darwin';

(posix ? describe : describe.skip)('heartbeat disk usage on this machine', () => {
  it('gives the same percentage as df for every mount both report (± 1 point)', async () => {
    const [heartbeat, df] = await Promise.all([collectHeartbeat(), dfUsePercent()]);
    const compared: string[] = [];
    for (const disk of heartbeat.disks) {
      const expected = df.get(disk.mount);
      if (expected === undefined) continue;
      expect(disk.availableBytes).toEqual(expect.any(Number));
      const percent = diskUsedPercent(disk);
      // A busy disk may change between the two readings; a point either way is the margin.
      expect({ mount: disk.mount, percent: Math.abs((percent ?? -100) - expected) <= 1 }).toEqual({
        mount: disk.mount,
        percent: true,
      });
      compared.push(disk.mount);
    }
    expect(compared).toContain('/');
  });
});
