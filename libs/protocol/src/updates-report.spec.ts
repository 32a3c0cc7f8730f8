import { encodeFrame, parseFrame } from './envelope';
import { LIMITS } from './messages';
import { rawFrame, sampleBodies } from './test-support/samples';

// The pending-updates report rides in the inventory frame; agents older than it leave it out.
describe('inventory: pending updates report', () => {
  const inventory = sampleBodies().inventory;
  const updates = {
    managers: ['apt' as const],
    pending: [
      {
        manager: 'apt' as const,
        name: 'openssl',
        current: '3.0.11-1',
        available: '3.0.13-1',
        security: true,
      },
      { manager: 'apt' as const, name: 'tzdata', available: '2024b-0' },
    ],
    rebootRequired: true,
  };

  it('accepts a frame without it (an older agent) and one with it', () => {
    expect(parseFrame(encodeFrame('inventory', inventory)).ok).toBe(true);
    const parsed = parseFrame(encodeFrame('inventory', { ...inventory, updates }));
    expect(parsed.ok && parsed.message.type === 'inventory' && parsed.message.body.updates).toEqual(
      updates,
    );
  });

  it.each([
    [
      'a security flag that is not a boolean',
      { ...updates.pending[0], security: 'yes' },
      /updates\.pending\[0\]\.security: expected true or false/,
    ],
    [
      'an unknown manager',
      { ...updates.pending[0], manager: 'npm' },
      /updates\.pending\[0\]\.manager: expected one of/,
    ],
    ['an empty name', { ...updates.pending[0], name: '' }, /updates\.pending\[0\]\.name/],
    [
      'an unknown field',
      { ...updates.pending[0], severity: 'high' },
      /updates\.pending\[0\]\.severity: unknown field/,
    ],
  ])('refuses %s', (_, item, reason) => {
    const frame = rawFrame({
      type: 'inventory',
      id: 'updates-0123456789',
      body: { ...inventory, updates: { ...updates, pending: [item] } },
    });
    const parsed = parseFrame(frame);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toMatch(reason);
  });

  it('refuses more pending updates than the limit', () => {
    const pending = Array.from({ length: LIMITS.pendingUpdates + 1 }, (_, i) => ({
      manager: 'dnf' as const,
      name: `p${i}`,
      available: '1',
    }));
    const frame = rawFrame({
      type: 'inventory',
      id: 'updates-0123456789',
      body: { ...inventory, updates: { ...updates, pending } },
    });
    const parsed = parseFrame(frame);
    expect(parsed.ok).toBe(false);
  });
});
