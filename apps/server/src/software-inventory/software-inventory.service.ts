import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  compareVersions,
  newestVersion,
  SOFTWARE_CSV_COLUMNS,
  SOFTWARE_NAME_SUGGESTIONS,
  softwareNames,
  type SoftwareDeviceRow,
  type SoftwareDevicesPage,
  type SoftwareNewest,
  type SoftwareSource,
  type SoftwareVersionCount,
  type SoftwareVersionsResponse,
} from '@fleetdesk/api-types';
import { DataSource } from 'typeorm';
import type { Actor } from '../common/actor';
import { AuditService } from '../audit/audit.service';
import type {
  SoftwareDevicesQueryDto,
  SoftwareVersionsQueryDto,
} from './dto/software-inventory.dto';
import { VersionFilterNotApplicableException } from './software-inventory.exceptions';

/** Rows per statement when the CSV export walks the whole result. */
const EXPORT_BATCH = 1000;

/** Query parameters as SQL builds them: placeholders are numbered in the order pushed. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** LIKE's own wildcards taken literally, then "starts with". */
const prefixPattern = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** (source, version) as one text value, so "has the newest" is one `= ANY(...)`. */
const sourceVersionKey = (source: string, version: string) => `${source}\u0001${version}`;

interface RawRow {
  device_id: string;
  name: string;
  hostname: string;
  status: SoftwareDeviceRow['status'];
  os_platform: string | null;
  os_distro: string | null;
  versions: string[] | null;
  sources: SoftwareSource[] | null;
  sort_key: string;
  total: number;
}

/** Which page of the result: OFFSET for the API's pages, keyset for the export's walk. */
type Window = { offset: number; limit: number } | { after: [string, string] | null; limit: number };

/**
 * Fleet-wide software questions over device_software (10,000 devices × 1,000 packages is 10M
 * rows). Every statement starts from the package name through the covering index
 * IDX_device_software_lname_cover, so the work is bounded by how many devices have the
 * package, never by the size of the table; "newest" is decided here by the manager's own
 * version order (shared rule), which SQL's text order cannot do.
 *
 * It reads the devices module's tables (device, device_inventory, device_software) read-only
 * and writes none: the join with the device table is what keeps each answer one indexed
 * statement; asking DevicesService for 10,000 ids and sending them back would not scale.
 */
@Injectable()
export class SoftwareInventoryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async versions(q: SoftwareVersionsQueryDto): Promise<SoftwareVersionsResponse> {
    const p = new Params();
    const names = this.nameCondition(p, q.name, q.match);
    const os = q.os ? `AND d.os_platform = ${p.add(q.os)}` : '';
    // Three independent statements, sent together: each takes its own pooled connection, so
    // the answer waits for the slowest one rather than for their sum.
    const [fleet, forOs, [counts]] = await Promise.all([
      this.versionCounts(q.name, q.match, undefined),
      q.os ? this.versionCounts(q.name, q.match, q.os) : null,
      this.dataSource.query<{ installed: number; missing: number }[]>(
        `WITH hit AS (SELECT DISTINCT s.device_id FROM device_software s WHERE ${names})
         SELECT count(*) FILTER (WHERE hit.device_id IS NOT NULL)::int AS installed,
                count(*) FILTER (WHERE hit.device_id IS NULL)::int AS missing
         FROM device d
         JOIN device_inventory i ON i.device_id = d.id
         LEFT JOIN hit ON hit.device_id = d.id
         WHERE d.revoked_at IS NULL ${os}`,
        p.values,
      ),
    ]);
    const newest = this.newestOf(fleet);
    const rows = forOs ?? fleet;
    const isNewest = new Set(newest.map((n) => sourceVersionKey(n.source, n.version)));
    const versions: SoftwareVersionCount[] = rows
      .map((r) => ({ ...r, newest: isNewest.has(sourceVersionKey(r.source, r.version)) }))
      .sort(
        (a, b) =>
          (a.source < b.source ? -1 : a.source > b.source ? 1 : 0) ||
          compareVersions(a.source, b.version, a.version),
      );
    return { versions, installed: counts?.installed ?? 0, missing: counts?.missing ?? 0 };
  }

  async devices(q: SoftwareDevicesQueryDto): Promise<SoftwareDevicesPage> {
    this.checkFilters(q);
    const window = { offset: (q.page - 1) * q.pageSize, limit: q.pageSize };
    let newest: SoftwareNewest[];
    let rows: RawRow[];
    if (q.presence === 'missing') {
      // "Missing" does not depend on the newest version: both statements go together.
      [newest, rows] = await Promise.all([this.fleetNewest(q), this.deviceRows(q, [], window)]);
    } else {
      newest = await this.fleetNewest(q);
      rows = await this.deviceRows(q, newest, window);
    }
    let total = rows[0]?.total ?? 0;
    // Past the last page the window count has no row to ride on.
    if (rows.length === 0 && q.page > 1) total = await this.countDevices(q, newest);
    return {
      items: rows.map((r) => this.toRow(r)),
      total,
      page: q.page,
      pageSize: q.pageSize,
      newest,
    };
  }

  /**
   * The whole result as CSV, for the controller to stream. Checks and the audit entry come
   * first, so a bad request is a 400 before any byte is sent; then a batch of rows per
   * statement (keyset, so the last batch costs what the first did).
   */
  async exportCsv(actor: Actor, q: SoftwareDevicesQueryDto): Promise<AsyncIterable<string>> {
    this.checkFilters(q);
    const newest = await this.fleetNewest(q);
    await this.audit.recordAlone(actor, {
      action: 'software_inventory.export',
      details: {
        names: softwareNames(q.name),
        match: q.match,
        presence: q.presence,
        version: q.version ?? null,
        os: q.os ?? null,
        source: q.source ?? null,
      },
    });
    return this.csvLines(q, newest);
  }

  private async *csvLines(
    q: SoftwareDevicesQueryDto,
    newest: readonly SoftwareNewest[],
  ): AsyncGenerator<string> {
    yield `${SOFTWARE_CSV_COLUMNS.join(',')}\r\n`;
    let after: [string, string] | null = null;
    for (;;) {
      const rows = await this.deviceRows(q, newest, { after, limit: EXPORT_BATCH });
      if (rows.length > 0) yield rows.map((r) => csvLine(this.toRow(r))).join('');
      if (rows.length < EXPORT_BATCH) return;
      const last = rows[rows.length - 1];
      after = [last.sort_key, last.device_id];
    }
  }

  /** Package names seen in the fleet that start with `prefix`, for the search box. */
  async names(prefix: string): Promise<string[]> {
    // A loose index scan: one index probe per distinct name, rather than reading every row
    // of a common prefix ("lib" matches millions) to de-duplicate them.
    const rows = await this.dataSource.query<{ n: string }[]>(
      `WITH RECURSIVE t(n, k) AS (
         (SELECT lower(name), 1 FROM device_software WHERE lower(name) LIKE $1
          ORDER BY lower(name) USING ~<~ LIMIT 1)
         UNION ALL
         SELECT (SELECT lower(s.name) FROM device_software s
                 WHERE lower(s.name) LIKE $1 AND lower(s.name) ~>~ t.n
                 ORDER BY lower(s.name) USING ~<~ LIMIT 1), t.k + 1
         FROM t WHERE t.n IS NOT NULL AND t.k < $2
       )
       SELECT n FROM t WHERE n IS NOT NULL`,
      [prefixPattern(prefix.toLowerCase()), SOFTWARE_NAME_SUGGESTIONS],
    );
    return rows.map((r) => r.n);
  }

  private checkFilters(q: SoftwareDevicesQueryDto): void {
    if (q.presence === 'missing' && q.version !== undefined)
      throw new VersionFilterNotApplicableException();
  }

  /** The newest version per source across the whole fleet (filters other than name aside). */
  private async fleetNewest(q: SoftwareDevicesQueryDto): Promise<SoftwareNewest[]> {
    return this.newestOf(await this.versionCounts(q.name, q.match, undefined));
  }

  private newestOf(rows: readonly { source: SoftwareSource; version: string }[]): SoftwareNewest[] {
    const bySource = new Map<SoftwareSource, string[]>();
    for (const r of rows) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r.version]);
    return [...bySource.entries()]
      .map(([source, versions]) => ({ source, version: newestVersion(source, versions) ?? '' }))
      .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
  }

  private async versionCounts(
    name: string,
    match: SoftwareVersionsQueryDto['match'],
    os: string | undefined,
  ): Promise<Omit<SoftwareVersionCount, 'newest'>[]> {
    const p = new Params();
    const names = this.nameCondition(p, name, match);
    // Without an OS filter the device table is needed only to leave revoked devices out: an
    // anti-join against the few revoked ones (partial index IDX_device_revoked) instead of a
    // hash of every device. (source, version, device) are made distinct first so both steps
    // hash rather than sort, as count(DISTINCT) would.
    const scope = os
      ? `JOIN device d ON d.id = s.device_id AND d.revoked_at IS NULL AND d.os_platform = ${p.add(os)}`
      : '';
    const revoked = os
      ? ''
      : `AND NOT EXISTS (SELECT 1 FROM device r WHERE r.id = s.device_id AND r.revoked_at IS NOT NULL)`;
    return this.dataSource.query(
      `SELECT v.source, v.version, count(*)::int AS devices
       FROM (SELECT DISTINCT s.source, s.version, s.device_id FROM device_software s ${scope}
             WHERE ${names} ${revoked}) v
       GROUP BY v.source, v.version`,
      p.values,
    );
  }

  /** `lower(s.name)` against the names: `= ANY` for exact, one indexable LIKE per prefix. */
  private nameCondition(p: Params, param: string, match: SoftwareVersionsQueryDto['match']) {
    const names = softwareNames(param);
    if (match === 'prefix')
      return `(${names.map((n) => `lower(s.name) LIKE ${p.add(prefixPattern(n))}`).join(' OR ')})`;
    return `lower(s.name) = ANY(${p.add(names)}::text[])`;
  }

  private deviceQuery(
    q: SoftwareDevicesQueryDto,
    newest: readonly SoftwareNewest[],
    window: Window | null,
  ): { sql: string; params: unknown[] } {
    const p = new Params();
    const names = this.nameCondition(p, q.name, q.match);
    const source = q.source ? `AND s.source = ${p.add(q.source)}` : '';
    const where = ['d.revoked_at IS NULL'];
    if (q.os) where.push(`d.os_platform = ${p.add(q.os)}`);
    const sortKey = `lower(coalesce(d.name, d.hostname))`;
    let from: string;
    if (q.presence === 'missing') {
      // Only devices that reported an inventory can be said to lack something. The devices
      // that have it are gathered once from the name index and hash-anti-joined; a NOT EXISTS
      // per device would read each device's whole package list.
      from = `device d JOIN device_inventory i ON i.device_id = d.id
        LEFT JOIN (SELECT DISTINCT s.device_id FROM device_software s WHERE ${names} ${source}) hit
          ON hit.device_id = d.id`;
      where.push('hit.device_id IS NULL');
    } else {
      const having: string[] = [];
      if (q.version !== undefined) having.push(`bool_or(s.version = ${p.add(q.version)})`);
      if (q.presence === 'outdated') {
        const keys = p.add(newest.map((n) => sourceVersionKey(n.source, n.version)));
        having.push(`NOT bool_or(s.source || chr(1) || s.version = ANY(${keys}::text[]))`);
      }
      // Filtered per device before the join, so only the matching devices are looked up.
      from = `(SELECT s.device_id, array_agg(s.version) AS versions, array_agg(s.source) AS sources
               FROM device_software s WHERE ${names} ${source} GROUP BY s.device_id
               ${having.length ? `HAVING ${having.join(' AND ')}` : ''}) hit
             JOIN device d ON d.id = hit.device_id`;
    }
    const columns = `d.id AS device_id, coalesce(d.name, d.hostname) AS name, d.hostname, d.status,
      d.os_platform, d.os_distro, ${q.presence === 'missing' ? 'NULL::text[] AS versions, NULL::text[] AS sources' : 'hit.versions, hit.sources'},
      ${sortKey} AS sort_key`;
    if (window === null) {
      return {
        sql: `SELECT count(*)::int AS total FROM ${from} WHERE ${where.join(' AND ')}`,
        params: p.values,
      };
    }
    let tail: string;
    let total = 'count(*) OVER ()::int AS total';
    if ('offset' in window) {
      tail = `LIMIT ${window.limit} OFFSET ${window.offset}`;
    } else {
      total = '0 AS total';
      if (window.after)
        where.push(
          `(${sortKey}, d.id) > (${p.add(window.after[0])}, ${p.add(window.after[1])}::uuid)`,
        );
      tail = `LIMIT ${window.limit}`;
    }
    return {
      sql: `SELECT ${columns}, ${total} FROM ${from} WHERE ${where.join(' AND ')}
            ORDER BY ${sortKey}, d.id ${tail}`,
      params: p.values,
    };
  }

  private deviceRows(
    q: SoftwareDevicesQueryDto,
    newest: readonly SoftwareNewest[],
    window: Window,
  ): Promise<RawRow[]> {
    const { sql, params } = this.deviceQuery(q, newest, window);
    return this.dataSource.query<RawRow[]>(sql, params);
  }

  private async countDevices(
    q: SoftwareDevicesQueryDto,
    newest: readonly SoftwareNewest[],
  ): Promise<number> {
    const { sql, params } = this.deviceQuery(q, newest, null);
    const [row] = await this.dataSource.query<{ total: number }[]>(sql, params);
    return row?.total ?? 0;
  }

  private toRow(r: RawRow): SoftwareDeviceRow {
    // The same version can come under two of the title's names: each is listed once.
    const sources = [...new Set(r.sources ?? [])].sort();
    // One source in practice; with several, the first one's order is as good as any.
    const by = sources[0] ?? 'other';
    return {
      deviceId: r.device_id,
      name: r.name,
      hostname: r.hostname,
      status: r.status,
      osPlatform: r.os_platform,
      osDistro: r.os_distro,
      versions: [...new Set(r.versions ?? [])].sort((a, b) => compareVersions(by, a, b)),
      sources,
    };
  }
}

/**
 * One CSV record (RFC 4180). Hostnames and versions come from devices, so a cell that a
 * spreadsheet would read as a formula (= + - @, tab, CR) is prefixed with a quote.
 */
export function csvLine(row: SoftwareDeviceRow): string {
  const cells = [
    row.deviceId,
    row.name,
    row.hostname,
    row.status,
    row.osPlatform ?? '',
    row.osDistro ?? '',
    row.versions.join(' '),
    row.sources.join(' '),
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
