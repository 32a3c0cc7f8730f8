import { MAX_FRAME_BYTES, parseFrame, type SoftwarePackage } from '@fleetdesk/protocol';
import { encodeInventory } from './inventory-frame';
import { fakeInventory } from './sim-fakes';
import { recordingLogger } from './test-support/recording-logger';

const ID = '3f2b8c1e-9a4d-4f6b-8e2a-1c5d7e9f0a1b';

function packages(n: number, nameLength: number): SoftwarePackage[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `pkg-${String(i).padStart(6, '0')}-${'x'.repeat(nameLength)}`,
    version: '1.2.3-4ubuntu5',
    source: 'dpkg',
  }));
}

describe('encodeInventory', () => {
  it('sends a normal inventory unchanged, without a trimming note', () => {
    const body = fakeInventory(ID, 'host');
    const log = recordingLogger();
    const frame = encodeInventory(body, log);
    const parsed = parseFrame(frame ?? '', { from: 'agent' });

    expect(parsed.ok && parsed.message.type === 'inventory' && parsed.message.body).toEqual(body);
    expect(log.lines).toEqual([]);
  });

  it('trims the software list until the frame fits 1 MiB, and says so', () => {
    const body = { ...fakeInventory(ID, 'host'), software: packages(20_000, 100) };
    expect(Buffer.byteLength(JSON.stringify(body))).toBeGreaterThan(2 * MAX_FRAME_BYTES);
    const log = recordingLogger();

    const frame = encodeInventory(body, log);
    expect(frame).not.toBeNull();
    expect(Buffer.byteLength(frame ?? '', 'utf8')).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    const parsed = parseFrame(frame ?? '', { from: 'agent' });
    if (!parsed.ok || parsed.message.type !== 'inventory') throw new Error('not an inventory');
    const kept = parsed.message.body.software.length;

    // Trimmed from the end, and not far below what would fit.
    const perItem = Buffer.byteLength(JSON.stringify(body.software)) / body.software.length;
    expect(kept).toBeLessThan(20_000);
    expect(kept).toBeGreaterThan((0.97 * MAX_FRAME_BYTES) / perItem);
    expect(parsed.message.body.software).toEqual(body.software.slice(0, kept));
    expect(log.has('warn', new RegExp(`trimmed from 20000 to ${kept} packages`))).toBe(true);
  });

  it('copes with multi-byte names, where characters and bytes differ', () => {
    const software = packages(15_000, 0).map((p) => ({
      ...p,
      name: `${p.name}-ünïcødé-日本語-🙂`,
    }));
    const frame = encodeInventory({ ...fakeInventory(ID, 'h'), software }, recordingLogger());
    expect(Buffer.byteLength(frame ?? '', 'utf8')).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(parseFrame(frame ?? '', { from: 'agent' }).ok).toBe(true);
  });

  it('logs and returns null for a body the protocol rejects, instead of throwing', () => {
    const log = recordingLogger();
    const body = { ...fakeInventory(ID, 'host'), hostname: '' };
    expect(encodeInventory(body, log)).toBeNull();
    expect(log.has('error', /inventory not sent: .*hostname/)).toBe(true);
  });
});
