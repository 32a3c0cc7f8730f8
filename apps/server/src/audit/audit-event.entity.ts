import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ActorKind } from '@fleetdesk/api-types';

@Entity({ name: 'audit_event' })
@Index('IDX_audit_event_occurred_at', ['occurredAt', 'id'])
@Index('IDX_audit_event_actor', ['actorId', 'occurredAt'])
@Index('IDX_audit_event_action', ['action', 'occurredAt'])
@Index('IDX_audit_event_target', ['targetType', 'targetId', 'occurredAt'])
export class AuditEventEntity {
  // bigint arrives from pg as a string, which is also what keeps it exact in JSON.
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @Column({ name: 'actor_email', type: 'varchar', length: 254, nullable: true })
  actorEmail!: string | null;

  @Column({ name: 'actor_kind', type: 'varchar', length: 16 })
  actorKind!: ActorKind;

  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true })
  targetType!: string | null;

  @Column({ name: 'target_id', type: 'varchar', length: 64, nullable: true })
  targetId!: string | null;

  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  details!: Record<string, unknown>;

  @Column({ name: 'source_ip', type: 'varchar', length: 64, nullable: true })
  sourceIp!: string | null;
}
