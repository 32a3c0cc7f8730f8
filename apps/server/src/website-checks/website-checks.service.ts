import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Page, WebsiteCheckResponse, WebsiteCheckResult } from '@fleetdesk/api-types';
import { MONITORING_LIMITS } from '@fleetdesk/api-types';
import { DataSource, type EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import type { CreateWebsiteCheckDto, UpdateWebsiteCheckDto } from './dto/website-check.dto';
import {
  type ResultRow,
  toResult,
  toWebsiteCheckResponse,
  WebsiteCheckEntity,
} from './website-check.entity';
import { WebsiteCheckNotFoundException } from './website-checks.exceptions';

export const websiteCheckSubject = (id: string) => `website_check:${id}`;

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
    const saved = await this.dataSource.transaction(async (m) => {
      const c = await m.findOne(WebsiteCheckEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw new WebsiteCheckNotFoundException(id);
      const before = describe(c);
      for (const [k, v] of Object.entries(dto))
        if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
      // A changed check runs at once with its new settings.
      c.nextRunAt = new Date();
      c.updatedAt = new Date();
      const row = await m.save(WebsiteCheckEntity, c);
      await this.record(m, actor, 'website_checks.update', row, { before, after: describe(row) });
      return row;
    });
    if (!saved.enabled) await this.alerts.closeSubject(websiteCheckSubject(id));
    return toWebsiteCheckResponse(saved);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const c = await m.findOneBy(WebsiteCheckEntity, { id });
      if (!c) throw new WebsiteCheckNotFoundException(id);
      await m.delete(WebsiteCheckEntity, { id });
      await this.record(m, actor, 'website_checks.delete', c, { name: c.name, url: c.url });
    });
    // Nothing watches the site any more: its open alert resolves rather than staying forever.
    await this.alerts.closeSubject(websiteCheckSubject(id));
  }

  async results(id: string, q: PageQueryDto): Promise<Page<WebsiteCheckResult>> {
    await this.getEntity(id);
    const rows = await this.dataSource.query<ResultRow[]>(
      `SELECT at, outcome, status_code, latency_ms, cert_expires_at, message
       FROM website_check_result WHERE check_id = $1 ORDER BY at DESC, id DESC OFFSET $2 LIMIT $3`,
      [id, (q.page - 1) * q.pageSize, q.pageSize],
    );
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM website_check_result WHERE check_id = $1`,
      [id],
    );
    return { items: rows.map(toResult), total: n, page: q.page, pageSize: q.pageSize };
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
