/** Shared by the agent (collection, search) and the server (searching stored bundles). */
const ISO =
  /^\[?(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})([.,]\d{1,9})?(Z|[+-]\d{2}:?\d{2})?(?=[\s\]|,;]|$)/;
const SYSLOG = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?=\s)/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The time a log line starts with, in epoch ms, or null when it has none. Understood: ISO
 * 8601 (`2026-11-29T22:00:00.123Z`, `2026-11-29 22:00:00,123 +0100`, journalctl's short-iso;
 * local time when no zone is given) and classic syslog (`Nov 29 22:00:00`, this year, or last
 * year when that would be in the future).
 */
export function lineTime(line: string, now = Date.now()): number | null {
  const iso = ISO.exec(line);
  if (iso) {
    const fraction = iso[3] ? `.${iso[3].slice(1, 4).padEnd(3, '0')}` : '';
    let zone = iso[4] ?? '';
    if (zone.length === 5) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
    const t = Date.parse(`${iso[1]}T${iso[2]}${fraction}${zone}`);
    return Number.isNaN(t) ? null : t;
  }
  const sys = SYSLOG.exec(line);
  if (sys) {
    const month = MONTHS.indexOf(sys[1]);
    if (month < 0) return null;
    const year = new Date(now).getFullYear();
    const at = (y: number) =>
      new Date(y, month, Number(sys[2]), Number(sys[3]), Number(sys[4]), Number(sys[5])).getTime();
    const t = at(year);
    // A year-less stamp more than a day ahead is from last year (logs written over New Year).
    return t > now + 86_400_000 ? at(year - 1) : t;
  }
  return null;
}
