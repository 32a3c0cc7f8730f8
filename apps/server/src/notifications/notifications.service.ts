import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  ChannelResponse,
  CreatedChannelResponse,
  DeliveryResponse,
  DeliveryStatus,
  Page,
} from '@fleetdesk/api-types';
import { MONITORING_LIMITS } from '@fleetdesk/api-types';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { SecretBox } from '../secrets/secret-box';
import { checkUrlScheme } from '../website-checks/probe';
import { ChannelEntity, displayUrl, secretAad, toChannelResponse, urlAad } from './channel.entity';
import type { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto';
import { type DeliveryRow, NotificationDispatcher } from './notification-dispatcher.service';
import { summaryOf } from './payloads';
import { ChannelInvalidException, ChannelNotFoundException } from './notifications.exceptions';

interface DeliveryListRow {
  id: string;
  channel_id: string;
  status: DeliveryStatus;
  event_count: number;
  test: boolean;
  summary: string;
  created_at: Date;
  delivered_at: Date | null;
  next_attempt_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** What an audit entry keeps of a channel: never its URL (a credential) or secret. */
const describe = (c: ChannelEntity) => ({
  name: c.name,
  kind: c.kind,
  url: c.urlDisplay,
  emailTo: c.emailTo,
  routing: { minSeverity: c.minSeverity, groupIds: c.groupIds, tags: c.tags },
  digestSeconds: c.digestSeconds,
  enabled: c.enabled,
});

/** Notification channels as admins manage them, their deliveries, and "send test". */
@Injectable()
export class NotificationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
    private readonly dispatcher: NotificationDispatcher,
  ) {}

  async create(actor: Actor, dto: CreateChannelDto): Promise<CreatedChannelResponse> {
    this.checkTarget(dto.kind, dto.url, dto.emailTo);
    const secret = dto.kind === 'email' ? null : randomBytes(32).toString('base64url');
    const saved = await this.dataSource.transaction(async (m) => {
      const draft = m.create(ChannelEntity, {
        name: dto.name,
        kind: dto.kind,
        emailTo: dto.kind === 'email' ? (dto.emailTo ?? []) : [],
        minSeverity: dto.routing?.minSeverity ?? 'warning',
        groupIds: dto.routing?.groupIds ?? [],
        tags: dto.routing?.tags ?? [],
        digestSeconds: dto.digestSeconds ?? MONITORING_LIMITS.digestSeconds.default,
        enabled: dto.enabled ?? true,
        createdBy: actor.userId,
        // Placeholder so the row satisfies its check; sealed below with the row's id.
        urlSealed: dto.kind === 'email' ? null : 'pending',
      });
      const c = await m.save(ChannelEntity, draft);
      if (dto.kind !== 'email' && dto.url && secret) {
        c.urlSealed = this.box.seal(dto.url, urlAad(c.id));
        c.urlDisplay = displayUrl(dto.url);
        c.signingSecretSealed = this.box.seal(secret, secretAad(c.id));
        await m.save(ChannelEntity, c);
      }
      await this.record(m, actor, 'notifications.channel.create', c, describe(c));
      return c;
    });
    return { ...toChannelResponse(saved), signingSecret: secret };
  }

  async list(q: PageQueryDto): Promise<Page<ChannelResponse>> {
    const [rows, total] = await this.dataSource.getRepository(ChannelEntity).findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    return { items: rows.map(toChannelResponse), total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<ChannelResponse> {
    return toChannelResponse(await this.getEntity(id));
  }

  async update(actor: Actor, id: string, dto: UpdateChannelDto): Promise<ChannelResponse> {
    if (dto.kind !== undefined)
      throw new ChannelInvalidException('The kind of a channel cannot be changed; create another');
    const saved = await this.dataSource.transaction(async (m) => {
      const c = await m.findOne(ChannelEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw new ChannelNotFoundException(id);
      const before = describe(c);
      if (dto.url !== undefined || dto.emailTo !== undefined)
        this.checkTarget(c.kind, dto.url ?? 'https://unchanged.invalid', dto.emailTo ?? c.emailTo);
      if (dto.url !== undefined && c.kind !== 'email') {
        c.urlSealed = this.box.seal(dto.url, urlAad(c.id));
        c.urlDisplay = displayUrl(dto.url);
      }
      if (dto.emailTo !== undefined && c.kind === 'email') c.emailTo = dto.emailTo;
      if (dto.name !== undefined) c.name = dto.name;
      if (dto.routing?.minSeverity !== undefined) c.minSeverity = dto.routing.minSeverity;
      if (dto.routing?.groupIds !== undefined) c.groupIds = dto.routing.groupIds;
      if (dto.routing?.tags !== undefined) c.tags = dto.routing.tags;
      if (dto.digestSeconds !== undefined) c.digestSeconds = dto.digestSeconds;
      if (dto.enabled !== undefined) c.enabled = dto.enabled;
      c.updatedAt = new Date();
      const row = await m.save(ChannelEntity, c);
      await this.record(m, actor, 'notifications.channel.update', row, {
        before,
        after: describe(row),
        urlChanged: dto.url !== undefined,
      });
      return row;
    });
    return toChannelResponse(saved);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const c = await m.findOneBy(ChannelEntity, { id });
      if (!c) throw new ChannelNotFoundException(id);
      await m.delete(ChannelEntity, { id });
      await this.record(m, actor, 'notifications.channel.delete', c, {
        name: c.name,
        kind: c.kind,
      });
    });
  }

  /** Sends a test message now, once, and answers with the delivery and its attempt. */
  async sendTest(actor: Actor, id: string): Promise<DeliveryResponse> {
    const c = await this.getEntity(id);
    const row = await this.dataSource.transaction(async (m) => {
      const [d] = await m.query<DeliveryRow[]>(
        `INSERT INTO notification_delivery (channel_id, test, events, event_count, summary,
           status, attempts, lease_until)
         VALUES ($1, true, '[]', 0, $2, 'sending', 1, now() + interval '2 minutes')
         RETURNING id, channel_id, test, events, attempts`,
        [c.id, summaryOf({ test: true, notices: [], channelName: c.name })],
      );
      await this.record(m, actor, 'notifications.channel.test', c, {
        name: c.name,
        deliveryId: d.id,
      });
      return d;
    });
    await this.dispatcher.deliver(row);
    const [out] = await this.deliveryPage(`d.id = $1`, [row.id], 0, 1);
    return out;
  }

  async deliveries(id: string, q: PageQueryDto): Promise<Page<DeliveryResponse>> {
    await this.getEntity(id);
    const items = await this.deliveryPage(
      `d.channel_id = $1`,
      [id],
      (q.page - 1) * q.pageSize,
      q.pageSize,
    );
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM notification_delivery WHERE channel_id = $1`,
      [id],
    );
    return { items, total: n, page: q.page, pageSize: q.pageSize };
  }

  private async deliveryPage(
    where: string,
    params: unknown[],
    offset: number,
    limit: number,
  ): Promise<DeliveryResponse[]> {
    const rows = await this.dataSource.query<DeliveryListRow[]>(
      `SELECT d.id, d.channel_id, d.status, d.event_count, d.test, d.summary, d.created_at,
         d.delivered_at, d.next_attempt_at
       FROM notification_delivery d WHERE ${where}
       ORDER BY d.created_at DESC, d.id DESC OFFSET ${offset} LIMIT ${limit}`,
      params,
    );
    const attempts = rows.length
      ? await this.dataSource.query<
          {
            delivery_id: string;
            at: Date;
            ok: boolean;
            code: number | null;
            error: string | null;
            duration_ms: number;
          }[]
        >(
          `SELECT delivery_id, at, ok, code, error, duration_ms FROM notification_attempt
           WHERE delivery_id = ANY($1::uuid[]) ORDER BY at, id`,
          [rows.map((r) => r.id)],
        )
      : [];
    return rows.map((r) => ({
      id: r.id,
      channelId: r.channel_id,
      status: r.status,
      events: r.event_count,
      test: r.test,
      summary: r.summary,
      createdAt: new Date(r.created_at).toISOString(),
      deliveredAt: iso(r.delivered_at),
      nextAttemptAt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
      attempts: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({
          at: new Date(a.at).toISOString(),
          ok: a.ok,
          code: a.code,
          error: a.error,
          durationMs: a.duration_ms,
        })),
    }));
  }

  private checkTarget(kind: string, url: string | undefined, emailTo: string[] | undefined) {
    if (kind === 'email') {
      if (url !== undefined)
        throw new ChannelInvalidException('An email channel takes emailTo, not url');
      if (!emailTo || emailTo.length === 0)
        throw new ChannelInvalidException('An email channel needs at least one address in emailTo');
      if (!this.config.smtp)
        throw new ChannelInvalidException(
          'Email channels need the server to know an SMTP server: set SMTP_URL (and SMTP_FROM)',
        );
      return;
    }
    if (emailTo !== undefined && emailTo.length > 0)
      throw new ChannelInvalidException(`A ${kind} channel takes url, not emailTo`);
    if (!url) throw new ChannelInvalidException(`A ${kind} channel needs a url`);
    const bad = checkUrlScheme(url);
    if (bad) throw new ChannelInvalidException(`url ${bad}`);
  }

  private async getEntity(id: string): Promise<ChannelEntity> {
    const c = await this.dataSource.getRepository(ChannelEntity).findOneBy({ id });
    if (!c) throw new ChannelNotFoundException(id);
    return c;
  }

  private record(
    m: EntityManager,
    actor: Actor,
    action: string,
    c: ChannelEntity,
    details: Record<string, unknown>,
  ) {
    return this.audit.record(m, actor, {
      action,
      targetType: 'notification_channel',
      targetId: c.id,
      details,
    });
  }
}
