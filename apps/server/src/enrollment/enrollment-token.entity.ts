import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'enrollment_token' })
@Index('UQ_enrollment_token_token_hash', ['tokenHash'], { unique: true })
@Index('IDX_enrollment_token_created_at', ['createdAt'])
export class EnrollmentTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'token_prefix', type: 'varchar', length: 16 })
  tokenPrefix!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'max_uses', type: 'integer', nullable: true })
  maxUses!: number | null;

  @Column({ type: 'integer', default: 0 })
  uses!: number;

  /** Enrollments admitted per minute: a burst of this many, then this many a minute. */
  @Column({ name: 'rate_per_minute', type: 'integer', default: 1000 })
  ratePerMinute!: number;

  /**
   * The rate's GCRA theoretical arrival time: when the token's bucket is next empty, if no
   * more enrollments came. Null or past: the bucket is full.
   */
  @Column({ name: 'rate_tat', type: 'timestamptz', nullable: true })
  rateTat!: Date | null;

  @Column({ name: 'default_tags', type: 'text', array: true, default: () => `'{}'` })
  defaultTags!: string[];

  @Column({ name: 'default_group_id', type: 'uuid', nullable: true })
  defaultGroupId!: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
