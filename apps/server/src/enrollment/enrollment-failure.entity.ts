import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Failed enrollment attempts (unknown, expired or revoked token) from one source address in
 * the current window. Only failures are counted: a site enrolling a thousand machines behind
 * one NAT address is limited by its token, not by its address.
 */
@Entity({ name: 'enrollment_failure' })
@Index('IDX_enrollment_failure_window_start', ['windowStart'])
export class EnrollmentFailureEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  address!: string;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;
}
