import { dueBetween, nextOccurrence, nextOccurrences, ON_TIME_GRACE_MS } from './schedule-times';
import { nextDue, zonesOf } from './schedule-zones';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
const daily = (hhmm: string) => ({
  cron: `${hhmm.slice(3)} ${hhmm.slice(0, 2)} * * *`,
  runAt: null,
});

describe('schedule times (croner)', () => {
  it('a 02:30 that does not exist (spring forward) fires once, at 03:30 local', () => {
    expect(
      iso(nextOccurrences(daily('02:30'), 'Europe/Paris', new Date('2026-03-28T12:00Z'), 2)),
    ).toEqual(['2026-03-29T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(
      iso(nextOccurrences(daily('02:30'), 'America/New_York', new Date('2026-03-07T12:00Z'), 2)),
    ).toEqual(['2026-03-08T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
  });

  it('finds the moved occurrence whatever the search starts from, even inside the gap', () => {
    const when = daily('02:30');
    for (const from of ['2026-03-29T00:59:00Z', '2026-03-29T01:05:00Z', '2026-03-29T01:29:00Z'])
      expect(nextOccurrence(when, 'Europe/Paris', new Date(from))?.toISOString()).toBe(
        '2026-03-29T01:30:00.000Z',
      );
    const d = dueBetween(
      when,
      'Europe/Paris',
      new Date('2026-03-29T01:20:00Z'),
      new Date('2026-03-29T01:30:00Z'),
    );
    expect(iso(d.onTime)).toEqual(['2026-03-29T01:30:00.000Z']);
    // Between the two 01:30s of the fall-back night, the second one is not an occurrence.
    expect(
      nextOccurrence(daily('01:30'), 'America/New_York', new Date('2026-11-01T05:45:00Z')),
    ).toEqual(new Date('2026-11-02T06:30:00.000Z'));
  });

  it('a 01:30 that happens twice (fall back) fires once, at the first one', () => {
    expect(
      iso(nextOccurrences(daily('01:30'), 'America/New_York', new Date('2026-10-31T12:00Z'), 2)),
    ).toEqual(['2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
  });

  it('splits a window into on-time occurrences and the latest missed one', () => {
    const hourly = { cron: '0 * * * *', runAt: null };
    const d = dueBetween(
      hourly,
      'UTC',
      new Date('2026-01-01T10:00:30Z'),
      new Date('2026-01-01T12:30:00Z'),
    );
    expect(d.onTime).toEqual([]);
    expect(d.latestMissed?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(d.missedCount).toBe(2);
    const later = dueBetween(
      hourly,
      'UTC',
      new Date('2026-01-01T12:30:00Z'),
      new Date('2026-01-01T13:00:10Z'),
    );
    expect(iso(later.onTime)).toEqual(['2026-01-01T13:00:00.000Z']);
    expect(later.latestMissed).toBeNull();
    // Just inside the grace is still on time.
    const edge = new Date(new Date('2026-01-01T14:00:00Z').getTime() + ON_TIME_GRACE_MS - 1);
    expect(dueBetween(hourly, 'UTC', new Date('2026-01-01T13:30Z'), edge).onTime).toHaveLength(1);
  });

  it('a one-off local time is read in each zone and fires once', () => {
    const once = { cron: null, runAt: '2026-12-01T02:00:00' };
    expect(
      nextOccurrences(once, 'Europe/Paris', new Date('2026-11-01Z'), 5).map(String),
    ).toHaveLength(1);
    const d = dueBetween(
      once,
      'Europe/Paris',
      new Date('2026-12-01T00:00Z'),
      new Date('2026-12-01T01:00:05Z'),
    );
    expect(iso(d.onTime)).toEqual(['2026-12-01T01:00:00.000Z']);
  });

  it('device mode covers every reported zone plus the fallback; fixed mode only its zone', () => {
    const s = { ...daily('02:00'), zoneMode: 'device' as const, timeZone: 'UTC' };
    const zones = zonesOf(s, ['Asia/Tokyo', 'America/New_York']);
    expect(zones).toEqual(['America/New_York', 'Asia/Tokyo', 'UTC']);
    expect(zonesOf({ ...s, zoneMode: 'fixed' }, ['Asia/Tokyo'])).toEqual(['UTC']);
    // Tokyo's 02:00 comes first after 12:00Z (17:00Z), before UTC's and New York's.
    expect(nextDue(s, zones, new Date('2026-01-01T12:00Z'))?.toISOString()).toBe(
      '2026-01-01T17:00:00.000Z',
    );
  });
});
