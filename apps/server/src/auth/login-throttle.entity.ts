import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Recent failed sign-ins for one account (an email as typed, known or not). */
@Entity({ name: 'login_throttle' })
@Index('IDX_login_throttle_last_failure_at', ['lastFailureAt'])
export class LoginThrottleEntity {
  /** The email, trimmed and lower-cased, whether or not a user has it. */
  @PrimaryColumn({ type: 'varchar', length: 254 })
  account!: string;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'last_failure_at', type: 'timestamptz' })
  lastFailureAt!: Date;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;
}
