import type { PackageManager } from '@fleetdesk/api-types';
import { LIMITS } from '@fleetdesk/protocol';
import type { AvailableUpdate, ListResult } from './packages';
import { collectUpdates, type UpdatesDeps } from './pending-updates';
import { recordingLogger } from './test-support/recording-logger';

const update = (
  name: string,
  security: boolean | null,
  current: string | null = '1.0',
): AvailableUpdate => ({
  name,
  current,
  available: '2.0',
  security,
  kind: 'package',
});

function deps(
  lists: Partial<Record<PackageManager, ListResult<AvailableUpdate> | { error: string }>>,
  reboot: boolean | null | Error = false,
): UpdatesDeps & { refreshes: (boolean | undefined)[] } {
  const refreshes: (boolean | undefined)[] = [];
  return {
    refreshes,
    detect: () =>
      Promise.resolve(Object.keys(lists).map((m) => ({ manager: m as PackageManager }))),
    open: (manager) => {
      const list = lists[manager];
      if (!list || !('ok' in list)) return Promise.resolve({ error: list?.error ?? 'absent' });
      return Promise.resolve({
        listUpdates: (options?: { refresh?: boolean }) => {
          refreshes.push(options?.refresh);
          return Promise.resolve(list);
        },
      });
    },
    reboot: () => (reboot instanceof Error ? Promise.reject(reboot) : Promise.resolve(reboot)),
  };
}

describe('collectUpdates', () => {
  it('reports every manager’s pending updates, security flag and reboot, without a metadata refresh', async () => {
    const d = deps(
      {
        apt: { ok: true, items: [update('openssl', true), update('tzdata', false, null)] },
        // A manager that cannot tell security fixes apart.
        brew: { ok: true, items: [update('node', null)] },
      },
      true,
    );
    expect(await collectUpdates(recordingLogger(), {}, d)).toEqual({
      managers: ['apt', 'brew'],
      pending: [
        { manager: 'apt', name: 'openssl', current: '1.0', available: '2.0', security: true },
        { manager: 'apt', name: 'tzdata', available: '2.0', security: false },
        { manager: 'brew', name: 'node', current: '1.0', available: '2.0' },
      ],
      rebootRequired: true,
    });
    expect(d.refreshes).toEqual([false, false]);
  });

  it('leaves out a manager whose list failed, and says so', async () => {
    const logger = recordingLogger();
    const d = deps({ dnf: { ok: false, error: 'exit 1' }, apt: { ok: true, items: [] } }, null);
    expect(await collectUpdates(logger, {}, d)).toEqual({ managers: ['apt'], pending: [] });
    expect(logger.has('warn', /dnf update list failed: exit 1/)).toBe(true);
  });

  it('sends nothing when no manager could be read, so the server keeps what it had', async () => {
    const d = deps({ apt: { ok: false, error: 'locked' }, zypper: { error: 'absent' } });
    expect(await collectUpdates(recordingLogger(), {}, d)).toBeUndefined();
  });

  it('keeps the report when the reboot check throws', async () => {
    const d = deps({ apt: { ok: true, items: [] } }, new Error('boom'));
    expect(await collectUpdates(recordingLogger(), {}, d)).toEqual({
      managers: ['apt'],
      pending: [],
    });
  });

  it('trims to the protocol limit, security updates first', async () => {
    const items = Array.from({ length: LIMITS.pendingUpdates + 10 }, (_, i) =>
      update(`p${i}`, i >= LIMITS.pendingUpdates),
    );
    const report = await collectUpdates(recordingLogger(), {}, deps({ dnf: { ok: true, items } }));
    expect(report?.pending).toHaveLength(LIMITS.pendingUpdates);
    expect(report?.pending.slice(0, 10).every((p) => p.security === true)).toBe(true);
  });
});
