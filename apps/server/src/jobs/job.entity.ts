import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { JobStatus, JobTarget } from '@fleetdesk/api-types';
import type { EnvVar, RunAction, ScriptLanguage } from '@fleetdesk/protocol';

@Entity({ name: 'job' })
@Index('IDX_job_created_at', ['createdAt'])
@Index('IDX_job_status', ['status', 'createdAt'])
export class JobEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16, default: 'running' })
  status!: JobStatus;

  @Column({ name: 'script_id', type: 'uuid', nullable: true })
  scriptId!: string | null;

  @Column({ name: 'script_version', type: 'integer', nullable: true })
  scriptVersion!: number | null;

  /** null for an action job (CHK_job_script_or_action). */
  @Column({ type: 'varchar', length: 16, nullable: true })
  language!: ScriptLanguage | null;

  /** The typed action sent instead of a script, signed builds included; null for a script job. */
  @Column({ type: 'jsonb', nullable: true })
  action!: RunAction | null;

  /** The script; for an action job, the action as JSON (what `bodySha256` and the audit name). */
  @Column({ type: 'text' })
  body!: string;

  @Column({ name: 'body_sha256', type: 'char', length: 64 })
  bodySha256!: string;

  /** Parameters as shown to technicians: secret values already replaced. */
  @Column({ type: 'jsonb', default: () => `'{}'::jsonb` })
  params!: Record<string, unknown>;

  /** Empty once sealed into `sealedEnv`; plain only in rows written before sealing existed. */
  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  env!: EnvVar[];

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  args!: string[];

  /**
   * What the agent receives besides the script (env and args, see job-env.ts), sealed: it
   * holds secret values, so it is never in the database in plain text nor in an API answer.
   */
  @Column({ name: 'sealed_env', type: 'text', nullable: true })
  sealedEnv!: string | null;

  @Column({ type: 'jsonb' })
  target!: JobTarget;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({
    name: 'offline_expiry_ms',
    type: 'bigint',
    transformer: { from: Number, to: (v: number) => v },
  })
  offlineExpiryMs!: number;

  @Column({ name: 'max_concurrency', type: 'integer', nullable: true })
  maxConcurrency!: number | null;

  @Column({ name: 'failure_threshold_percent', type: 'integer', nullable: true })
  failureThresholdPercent!: number | null;

  @Column({ name: 'total_runs', type: 'integer' })
  totalRuns!: number;

  @Column({ name: 'rerun_of', type: 'uuid', nullable: true })
  rerunOf!: string | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_by_email', type: 'varchar', length: 254, nullable: true })
  createdByEmail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'stop_reason', type: 'varchar', length: 500, nullable: true })
  stopReason!: string | null;

  /** Set only by the scheduler, never by the public API: the occurrence that made this job. */
  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId!: string | null;

  @Column({ name: 'occurrence_at', type: 'timestamptz', nullable: true })
  occurrenceAt!: Date | null;

  @Column({ name: 'occurrence_zone', type: 'varchar', length: 64, nullable: true })
  occurrenceZone!: string | null;
}
