import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type {
  OccurrenceStatus,
  ScheduleCatchUp,
  ScheduleOfflinePolicy,
  ScheduleZoneMode,
} from '@fleetdesk/api-types';
import type { CreateJobDto } from '../jobs/dto/job.dto';

@Entity({ name: 'schedule' })
@Index('IDX_schedule_created_at', ['createdAt'])
export class ScheduleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  /** The job template, exactly as `POST /api/jobs` accepts it (validated by its DTO). */
  @Column({ type: 'jsonb' })
  template!: CreateJobDto;

  @Column({ type: 'varchar', length: 120, nullable: true })
  cron!: string | null;

  /** A one-off local wall-clock time (`YYYY-MM-DDTHH:mm:ss`), read in the schedule's zone(s). */
  @Column({ name: 'run_at', type: 'varchar', length: 19, nullable: true })
  runAt!: string | null;

  @Column({ name: 'zone_mode', type: 'varchar', length: 8 })
  zoneMode!: ScheduleZoneMode;

  /** The fixed zone; in device mode, the zone of devices that have not reported one. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone!: string;

  @Column({ name: 'catch_up', type: 'varchar', length: 8, default: 'once' })
  catchUp!: ScheduleCatchUp;

  @Column({ name: 'offline_policy', type: 'varchar', length: 16, default: 'run_when_back' })
  offlinePolicy!: ScheduleOfflinePolicy;

  /** Each device's run waits a random 0..spreadMinutes (0: none). */
  @Column({ name: 'spread_minutes', type: 'integer', default: 0 })
  spreadMinutes!: number;

  @Column({ type: 'boolean', default: false })
  paused!: boolean;

  /** Every occurrence up to here has been handled (fired, skipped or recorded as failed). */
  @Column({ name: 'evaluated_until', type: 'timestamptz' })
  evaluatedUntil!: Date;

  /** The earliest occurrence after `evaluatedUntil` in any zone it covers; null: none left. */
  @Column({ name: 'next_due_at', type: 'timestamptz', nullable: true })
  nextDueAt!: Date | null;

  /** The device zones `nextDueAt` was computed for; a new zone makes it stale. */
  @Column({ name: 'zone_set_key', type: 'varchar', length: 64, nullable: true })
  zoneSetKey!: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_by_email', type: 'varchar', length: 254, nullable: true })
  createdByEmail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** One claimed occurrence; the unique key (schedule, time, zone) is what makes it fire once. */
@Entity({ name: 'schedule_occurrence' })
export class ScheduleOccurrenceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'schedule_id', type: 'uuid' })
  scheduleId!: string;

  @Column({ name: 'occurrence_at', type: 'timestamptz' })
  occurrenceAt!: Date;

  @Column({ type: 'varchar', length: 64 })
  zone!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: OccurrenceStatus;

  @Column({ name: 'job_id', type: 'uuid', nullable: true })
  jobId!: string | null;

  @Column({ type: 'integer', default: 0 })
  devices!: number;

  @Column({ type: 'varchar', length: 500, nullable: true })
  reason!: string | null;

  @Column({ name: 'claimed_at', type: 'timestamptz', default: () => 'now()' })
  claimedAt!: Date;
}
