import type { MaintenanceWindowsService } from '../maintenance-windows/maintenance-windows.service';
import { AlertMuteHook } from './alert-mute.hook';

describe('AlertMuteHook', () => {
  const at = new Date('2026-11-29T02:30:00Z');
  const subject = { checkId: null, groupId: null, tags: [] };

  it("mutes a device's alert exactly while one of its maintenance windows is open", async () => {
    const asked: [string, Date][] = [];
    const windows = {
      isInWindow: (deviceId: string, when: Date) => {
        asked.push([deviceId, when]);
        return Promise.resolve(deviceId === 'in-window');
      },
    } as unknown as MaintenanceWindowsService;
    const hook = new AlertMuteHook(windows);
    expect(await hook.isMuted({ ...subject, deviceId: 'in-window' }, at)).toBe(true);
    expect(await hook.isMuted({ ...subject, deviceId: 'outside' }, at)).toBe(false);
    expect(asked).toEqual([
      ['in-window', at],
      ['outside', at],
    ]);
  });

  it('never mutes a website check, which has no device and so no window', async () => {
    const windows = {
      isInWindow: () => Promise.reject(new Error('not asked')),
    } as unknown as MaintenanceWindowsService;
    const hook = new AlertMuteHook(windows);
    expect(await hook.isMuted({ ...subject, deviceId: null, checkId: 'site' }, at)).toBe(false);
  });
});
