import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { Actor } from '../common/actor';
import { AuditEventEntity } from './audit-event.entity';
import { AuditQueryDto } from './dto/audit-query.dto';

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEventEntity[];
  total: number;
  /** Each listed target's current name, keyed by `targetNameKey(type, id)`. */
  names: Map<string, string>;
}

/**
 * Names the given targets of one type (ids that no longer exist are left out). One query for
 * all of them: a page of events costs one call per target type, never one per row.
 */
export type TargetNameResolver = (ids: string[]) => Promise<Map<string, string>>;

export const targetNameKey = (type: string, id: string) => `${type}:${id}`;

/** The name a deleted target's event kept in its details (deletes and revokes record one). */
function nameInDetails(details: Record<string, unknown>): string | null {
  for (const key of ['hostname', 'name', 'email']) {
    const v = details[key];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

/** A target's name for the list: its current name, else the one its event recorded. */
export function targetName(e: AuditEventEntity, names: Map<string, string>): string | null {
  if (!e.targetType || !e.targetId) return null;
  return names.get(targetNameKey(e.targetType, e.targetId)) ?? nameInDetails(e.details);
}

@Injectable()
export class AuditService {
  private readonly resolvers = new Map<string, TargetNameResolver>();

  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
  ) {}

  /**
   * A feature names its own targets (devices, jobs …) for the audit list, so the audit module
   * never reads another module's tables, and a renamed target shows its name of today.
   */
  registerTargetNames(targetType: string, resolve: TargetNameResolver): void {
    this.resolvers.set(targetType, resolve);
  }

  private async resolveNames(items: AuditEventEntity[]): Promise<Map<string, string>> {
    const idsByType = new Map<string, Set<string>>();
    for (const e of items) {
      if (!e.targetType || !e.targetId || !this.resolvers.has(e.targetType)) continue;
      const ids = idsByType.get(e.targetType) ?? new Set<string>();
      ids.add(e.targetId);
      idsByType.set(e.targetType, ids);
    }
    const names = new Map<string, string>();
    await Promise.all(
      [...idsByType].map(async ([type, ids]) => {
        const resolve = this.resolvers.get(type);
        if (!resolve) return;
        const found = await resolve([...ids]);
        for (const [id, name] of found) names.set(targetNameKey(type, id), name);
      }),
    );
    return names;
  }

  /**
   * Writes one audit event through the caller's transaction manager, so the change and its
   * trail commit or roll back together.
   */
  async record(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    const event = manager.create(AuditEventEntity, {
      actorId: actor.userId,
      actorEmail: actor.email,
      actorKind: actor.kind,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      details: entry.details ?? {},
      sourceIp: actor.ip,
    });
    // TypeORM's deep-partial type cannot see through a free-form jsonb record.
    await manager.insert(AuditEventEntity, event as QueryDeepPartialEntity<AuditEventEntity>);
  }

  /**
   * Many events in one statement through the caller's transaction, for a batch of changes
   * that commit together (e.g. a burst of device enrollments): the same rows `record` writes.
   */
  async recordMany(
    manager: EntityManager,
    events: readonly { actor: Actor; entry: AuditEntry }[],
  ): Promise<void> {
    if (events.length === 0) return;
    await manager.query(
      `INSERT INTO audit_event (actor_id, actor_email, actor_kind, action, target_type, target_id,
         details, source_ip)
       SELECT a, e, k, x, tt, ti, d::jsonb, ip
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[]) AS u(a, e, k, x, tt, ti, d, ip)`,
      [
        events.map((v) => v.actor.userId),
        events.map((v) => v.actor.email),
        events.map((v) => v.actor.kind),
        events.map((v) => v.entry.action),
        events.map((v) => v.entry.targetType ?? null),
        events.map((v) => v.entry.targetId ?? null),
        events.map((v) => JSON.stringify(v.entry.details ?? {})),
        events.map((v) => v.actor.ip),
      ],
    );
  }

  /** For events that are not part of a larger change (e.g. a refused agent handshake). */
  async recordAlone(actor: Actor, entry: AuditEntry): Promise<void> {
    await this.events.manager.transaction((m) => this.record(m, actor, entry));
  }

  async find(query: AuditQueryDto): Promise<AuditPage> {
    const qb = this.events.createQueryBuilder('e');
    if (query.actorId) qb.andWhere('e.actor_id = :actorId', { actorId: query.actorId });
    if (query.action) {
      if (query.action.endsWith('.*')) {
        qb.andWhere('e.action LIKE :prefix', { prefix: `${query.action.slice(0, -1)}%` });
      } else {
        qb.andWhere('e.action = :action', { action: query.action });
      }
    }
    if (query.targetType)
      qb.andWhere('e.target_type = :targetType', { targetType: query.targetType });
    if (query.targetId) qb.andWhere('e.target_id = :targetId', { targetId: query.targetId });
    if (query.since) qb.andWhere('e.occurred_at >= :since', { since: query.since });
    if (query.until) qb.andWhere('e.occurred_at < :until', { until: query.until });
    const [items, total] = await qb
      .orderBy('e.occurred_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .skip((query.page - 1) * query.pageSize)
      .take(query.pageSize)
      .getManyAndCount();
    return { items, total, names: await this.resolveNames(items) };
  }
}
