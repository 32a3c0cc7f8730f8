import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  Page,
  WebsiteCheckLocation,
  WebsiteCheckLocationsResponse,
  WebsiteCheckResponse,
  WebsiteCheckResult,
} from '@fleetdesk/api-types';
import { MONITORING_LIMITS, SERVER_LOCATION } from '@fleetdesk/api-types';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import { DevicesService } from '../devices/devices.service';
import type {
  CreateWebsiteCheckDto,
  UpdateWebsiteCheckDto,
  WebsiteCheckResultsQueryDto,
  WebsiteCheckRunFromDto,
} from './dto/website-check.dto';
import {
  type ResultRow,
  runFromOf,
  runsFromDevices,
  toResult,
  toWebsiteCheckResponse,
  WebsiteCheckEntity,
} from './website-check.entity';
import {
  WebsiteCheckInvalidException,
  WebsiteCheckNotFoundException,
} from './website-checks.exceptions';

/** The server's own results feed this subject; each device's its own (one alert per location). */
export const websiteCheckSubject = (id: string) => `website_check:${id}`;
export const websiteCheckDeviceSubject = (id: string, deviceId: string) =>
  `website_check:${id}:${deviceId}`;

type LatestRow = Omit<ResultRow, 'cert_expires_at'>;

const toLocation = (
  deviceId: string | null,
  name: string,
  r: LatestRow | undefined,
): WebsiteCheckLocation => ({
  deviceId,
  name,
  lastOutcome: r?.outcome ?? null,
  lastCheckedAt: r?.at ? new Date(r.at).toISOString() : null,
  statusCode: r?.status_code ?? null,
  latencyMs: r?.latency_ms ?? null,
  message: r?.message ?? null,
});

/** What an audit entry keeps of a check. */
function describe(c: WebsiteCheckEntity): Record<string, unknown> {
  const {
    id: _id,
    nextRunAt: _n,
    lastCheckedAt: _l,
    lastOutcome: _o,
    createdAt: _c,
    updatedAt: _u,
    ...rest
  } = c;
  return rest;
}

/** Website checks as admins manage them; running them is WebsiteCheckRunner's. */
@Injectable()
export class WebsiteChecksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly devices: DevicesService,
  ) {}

  async create(actor: Actor, dto: CreateWebsiteCheckDto): Promise<WebsiteCheckResponse> {
    const d = MONITORING_LIMITS;
    const row = this.dataSource.getRepository(WebsiteCheckEntity).create({
      name: dto.name,
      url: dto.url,
      expectedStatus: dto.expectedStatus ?? 200,
      latencyLimitMs: dto.latencyLimitMs ?? null,
      bodyContains: dto.bodyContains ?? null,
      bodyNotContains: dto.bodyNotContains ?? null,
      redirectPolicy: dto.redirectPolicy ?? 'follow',
      maxRedirects: dto.maxRedirects ?? d.maxRedirects.default,
      certWarnDays: dto.certWarnDays ?? d.certWarnDays.default,
      intervalSeconds: dto.intervalSeconds ?? d.intervalSeconds.default,
      timeoutMs: dto.timeoutMs ?? d.timeoutMs.default,
      failThreshold: dto.failThreshold ?? d.threshold.failDefault,
      successThreshold: dto.successThreshold ?? d.threshold.successDefault,
      severity: dto.severity ?? 'critical',
      tags: dto.tags ?? [],
      enabled: dto.enabled ?? true,
      ...(await this.runFromColumns(dto.runFrom)),
      nextRunAt: new Date(),
      createdBy: actor.userId,
    });
    const saved = await this.dataSource.transaction(async (m) => {
      const c = await m.save(WebsiteCheckEntity, row);
      await this.record(m, actor, 'website_checks.create', c, describe(c));
      return c;
    });
    return toWebsiteCheckResponse(saved);
  }

  async list(q: PageQueryDto): Promise<Page<WebsiteCheckResponse>> {
    const [rows, total] = await this.dataSource.getRepository(WebsiteCheckEntity).findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    return { items: rows.map(toWebsiteCheckResponse), total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<WebsiteCheckResponse> {
    return toWebsiteCheckResponse(await this.getEntity(id));
  }

  async update(
    actor: Actor,
    id: string,
    dto: UpdateWebsiteCheckDto,
  ): Promise<WebsiteCheckResponse> {
    const { runFrom, ...rest } = dto;
    // Checked before the transaction: a read outside it while it holds the row (and, on the
    // embedded database, its only connection) would wait for it forever.
    const runFromColumns = runFrom === undefined ? null : await this.runFromColumns(runFrom);
    const saved = await this.dataSource.transaction(async (m) => {
      const c = await m.findOne(WebsiteCheckEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw new WebsiteCheckNotFoundException(id);
      const before = describe(c);
      for (const [k, v] of Object.entries(rest))
        if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
      if (runFromColumns) Object.assign(c, runFromColumns);
      // A changed check runs at once with its new settings.
      c.nextRunAt = new Date();
      c.updatedAt = new Date();
      const row = await m.save(WebsiteCheckEntity, c);
      await this.record(m, actor, 'website_checks.update', row, { before, after: describe(row) });
      return row;
    });
    if (!saved.enabled) await this.alerts.closeSubject(websiteCheckSubject(id));
    await this.closeDeviceAlerts(saved);
    return toWebsiteCheckResponse(saved);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const c = await m.findOneBy(WebsiteCheckEntity, { id });
      if (!c) throw new WebsiteCheckNotFoundException(id);
      await m.delete(WebsiteCheckEntity, { id });
      await this.record(m, actor, 'website_checks.delete', c, { name: c.name, url: c.url });
    });
    // Nothing watches the site any more: its open alerts resolve rather than staying forever.
    await this.alerts.closeSubject(websiteCheckSubject(id));
    await this.closeDeviceAlerts(null, id);
  }

  /** Results newest first: of every location, or of one (`server` or a device id). */
  async results(id: string, q: WebsiteCheckResultsQueryDto): Promise<Page<WebsiteCheckResult>> {
    await this.getEntity(id);
    const location =
      q.location === undefined
        ? ''
        : q.location === SERVER_LOCATION
          ? 'AND device_id IS NULL'
          : 'AND device_id = $2';
    const params =
      q.location && q.location !== SERVER_LOCATION ? [id, q.location.toLowerCase()] : [id];
    const n0 = params.length;
    // Counted first: a result written between the two reads then shows rather than being
    // counted and missing from the page.
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM website_check_result WHERE check_id = $1 ${location}`,
      params,
    );
    const rows = await this.dataSource.query<ResultRow[]>(
      `SELECT at, device_id, outcome, status_code, latency_ms, cert_expires_at, message
       FROM website_check_result WHERE check_id = $1 ${location}
       ORDER BY at DESC, id DESC OFFSET $${n0 + 1} LIMIT $${n0 + 2}`,
      [...params, (q.page - 1) * q.pageSize, q.pageSize],
    );
    return { items: rows.map(toResult), total: n, page: q.page, pageSize: q.pageSize };
  }

  /**
   * Each place the check runs from, with its latest result: the server, then the devices its
   * `runFrom` takes in now (by name, at most MONITORING_LIMITS.locations).
   */
  async locations(id: string): Promise<WebsiteCheckLocationsResponse> {
    const c = await this.getEntity(id);
    const ids = runsFromDevices(c)
      ? await this.devices.resolveTarget({
          deviceIds: c.runFromDeviceIds,
          groupIds: c.runFromGroupIds,
          tags: c.runFromTags,
        })
      : [];
    const facets = await this.devices.facetsOf(ids);
    const listed = [...facets.entries()]
      .sort(([a, fa], [b, fb]) => fa.name.localeCompare(fb.name) || a.localeCompare(b))
      .slice(0, MONITORING_LIMITS.locations);
    const [server] = await this.dataSource.query<LatestRow[]>(
      `SELECT at, device_id, outcome, status_code, latency_ms, message FROM website_check_result
       WHERE check_id = $1 AND device_id IS NULL ORDER BY at DESC, id DESC LIMIT 1`,
      [id],
    );
    const latest = new Map(
      (
        await this.dataSource.query<LatestRow[]>(
          `SELECT d.id AS device_id, r.at, r.outcome, r.status_code, r.latency_ms, r.message
           FROM unnest($2::uuid[]) AS d(id)
           JOIN LATERAL (SELECT at, outcome, status_code, latency_ms, message
                         FROM website_check_result WHERE check_id = $1 AND device_id = d.id
                         ORDER BY at DESC, id DESC LIMIT 1) r ON true`,
          [id, listed.map(([deviceId]) => deviceId)],
        )
      ).map((r) => [r.device_id as string, r]),
    );
    return {
      items: [
        toLocation(null, 'Server', server),
        ...listed.map(([deviceId, f]) => toLocation(deviceId, f.name, latest.get(deviceId))),
      ],
      devices: facets.size,
    };
  }

  /** The columns of a `runFrom`, each list without repeats; every named device must exist. */
  private async runFromColumns(
    r: WebsiteCheckRunFromDto | null | undefined,
  ): Promise<Pick<WebsiteCheckEntity, 'runFromDeviceIds' | 'runFromGroupIds' | 'runFromTags'>> {
    const deviceIds = [...new Set((r?.deviceIds ?? []).map((d) => d.toLowerCase()))];
    if (deviceIds.length) {
      const known = await this.devices.facetsOf(deviceIds);
      const unknown = deviceIds.filter((d) => !known.has(d));
      if (unknown.length)
        throw new WebsiteCheckInvalidException(
          `runFrom.deviceIds: no enrolled device with id ${unknown.slice(0, 5).join(', ')}`,
        );
    }
    return {
      runFromDeviceIds: deviceIds,
      runFromGroupIds: [...new Set((r?.groupIds ?? []).map((g) => g.toLowerCase()))],
      runFromTags: [...new Set(r?.tags ?? [])],
    };
  }

  /**
   * For each of these checks, resolves the open alerts of the devices that no longer run it:
   * called when the checks or the devices' tags and groups moved (WebsiteCheckDelivery), since
   * a device that left a check's tags or group stops reporting and nothing else would.
   */
  async closeStrayDeviceAlerts(checks: WebsiteCheckEntity[]): Promise<void> {
    for (const c of checks) await this.closeDeviceAlerts(c);
  }

  /**
   * Resolves the open alerts of the devices that no longer run the check (all of them when
   * the check is gone or disabled): nothing would ever resolve them otherwise.
   */
  private async closeDeviceAlerts(c: WebsiteCheckEntity | null, id = c?.id ?? ''): Promise<void> {
    const open = (await this.alerts.openSubjectsOfCheck(id)).filter((a) => a.deviceId !== null);
    if (open.length === 0) return;
    const keep = new Set(
      c?.enabled && runsFromDevices(c) ? await this.devices.resolveTarget({ ...runFromOf(c) }) : [],
    );
    for (const a of open)
      if (!keep.has(a.deviceId as string)) await this.alerts.closeSubject(a.subject);
  }

  private async getEntity(id: string): Promise<WebsiteCheckEntity> {
    const c = await this.dataSource.getRepository(WebsiteCheckEntity).findOneBy({ id });
    if (!c) throw new WebsiteCheckNotFoundException(id);
    return c;
  }

  private record(
    m: EntityManager,
    actor: Actor,
    action: string,
    c: WebsiteCheckEntity,
    details: Record<string, unknown>,
  ) {
    return this.audit.record(m, actor, {
      action,
      targetType: 'website_check',
      targetId: c.id,
      details,
    });
  }
}
