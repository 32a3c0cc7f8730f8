import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** A named bundle of schedules attached to the devices of some groups and tags. */
@Entity({ name: 'automation_policy' })
@Index('IDX_automation_policy_created_at', ['createdAt'])
export class PolicyEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 1000, default: '' })
  description!: string;

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  tags!: string[];

  @Column({ name: 'group_ids', type: 'jsonb', default: () => `'[]'::jsonb` })
  groupIds!: string[];

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_by_email', type: 'varchar', length: 254, nullable: true })
  createdByEmail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** A schedule in a policy. */
@Entity({ name: 'automation_policy_schedule' })
@Index('IDX_automation_policy_schedule_schedule', ['scheduleId'])
export class PolicyScheduleEntity {
  @PrimaryColumn({ name: 'policy_id', type: 'uuid' })
  policyId!: string;

  @PrimaryColumn({ name: 'schedule_id', type: 'uuid' })
  scheduleId!: string;
}

/** An agent check a policy carries: it also runs on the devices the policy is attached to. */
@Entity({ name: 'automation_policy_check' })
@Index('IDX_automation_policy_check_check', ['checkId'])
export class PolicyCheckEntity {
  @PrimaryColumn({ name: 'policy_id', type: 'uuid' })
  policyId!: string;

  @PrimaryColumn({ name: 'check_id', type: 'uuid' })
  checkId!: string;
}
