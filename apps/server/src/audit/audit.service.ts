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
}

@Injectable()
export class AuditService {
  constructor(
    @InjectRepository(AuditEventEntity) private readonly events: Repository<AuditEventEntity>,
  ) {}

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
    return { items, total };
  }
}
