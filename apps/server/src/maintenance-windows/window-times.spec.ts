import { nextOpening, openingAt } from './window-times';

const sunday = { days: [0], start: '02:00', end: '04:00' };
const iso = (o: { from: Date; until: Date } | null) =>
  o && [o.from.toISOString(), o.until.toISOString()];

describe('maintenance window times', () => {
  it('is open from its start (inclusive) to its end (exclusive), in the given zone', () => {
    // Sunday 2026-01-04, Paris is UTC+1: 02:00–04:00 local is 01:00–03:00 UTC.
    const open = ['2026-01-04T01:00:00Z', '2026-01-04T02:59:59Z'];
    for (const t of open)
      expect(iso(openingAt(sunday, 'Europe/Paris', new Date(t)))).toEqual([
        '2026-01-04T01:00:00.000Z',
        '2026-01-04T03:00:00.000Z',
      ]);
    for (const t of ['2026-01-04T00:59:59Z', '2026-01-04T03:00:00Z', '2026-01-05T01:30:00Z'])
      expect(openingAt(sunday, 'Europe/Paris', new Date(t))).toBeNull();
    expect(openingAt(sunday, 'UTC', new Date('2026-01-04T01:00:00Z'))).toBeNull();
  });

  it('crosses midnight when the end is before the start', () => {
    const night = { days: [6], start: '22:00', end: '02:00' };
    // Saturday 2026-01-03 22:00 UTC to Sunday 02:00.
    expect(iso(openingAt(night, 'UTC', new Date('2026-01-04T01:59:00Z')))).toEqual([
      '2026-01-03T22:00:00.000Z',
      '2026-01-04T02:00:00.000Z',
    ]);
    expect(openingAt(night, 'UTC', new Date('2026-01-04T02:00:00Z'))).toBeNull();
  });

  it('finds the next opening within a horizon, or the one open now', () => {
    const mon = new Date('2026-01-05T12:00:00Z');
    expect(iso(nextOpening(sunday, 'UTC', mon, new Date('2026-01-12T00:00:00Z')))).toEqual([
      '2026-01-11T02:00:00.000Z',
      '2026-01-11T04:00:00.000Z',
    ]);
    expect(nextOpening(sunday, 'UTC', mon, new Date('2026-01-11T01:59:00Z'))).toBeNull();
    const inside = new Date('2026-01-11T03:00:00Z');
    expect(nextOpening(sunday, 'UTC', inside, inside)?.from.toISOString()).toBe(
      '2026-01-11T02:00:00.000Z',
    );
    expect(nextOpening({ ...sunday, days: [] }, 'UTC', mon, new Date('2027-01-01'))).toBeNull();
  });

  it('follows DST: a 02:30 start that does not exist opens at 03:30; a doubled one once', () => {
    const w = { days: [0], start: '02:30', end: '03:30' };
    // Paris springs forward on Sunday 2026-03-29 at 02:00 → 03:00 (UTC+1 → UTC+2).
    const spring = nextOpening(
      w,
      'Europe/Paris',
      new Date('2026-03-28T12:00:00Z'),
      new Date('2026-03-30'),
    );
    expect(iso(spring)).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-29T02:30:00.000Z']);
    // New York falls back on Sunday 2026-11-01 at 02:00 → 01:00: 01:30 happens twice.
    const twice = { days: [0], start: '01:30', end: '02:00' };
    const fall = nextOpening(
      twice,
      'America/New_York',
      new Date('2026-10-31T12:00:00Z'),
      new Date('2026-11-03'),
    );
    expect(iso(fall)).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z']);
    // Its second 01:30 (06:30 UTC) is not another opening.
    expect(openingAt(twice, 'America/New_York', new Date('2026-11-01T06:40:00Z'))).toBeNull();
  });
});
