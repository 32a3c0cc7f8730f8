import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import type { LogBundleStatus } from '@fleetdesk/api-types';
import type { LogManifestRefusal } from '@fleetdesk/protocol';

const bigint = { type: 'bigint' as const, transformer: { to: (v: number) => v, from: Number } };

/** One device's result of a collection run: what it sent and what it refused. */
@Entity({ name: 'log_bundle' })
export class LogBundleEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'run_id', type: 'uuid' }) runId!: string;
  @Column({ name: 'job_id', type: 'uuid' }) jobId!: string;
  @Column({ name: 'device_id', type: 'uuid' }) deviceId!: string;
  @Column({ type: 'varchar', length: 16 }) status!: LogBundleStatus;
  @Column({ name: 'total_bytes', ...bigint }) totalBytes!: number;
  @Column({ name: 'received_bytes', ...bigint }) receivedBytes!: number;
  @Column({ type: 'jsonb' }) refused!: LogManifestRefusal[];
  @Column({ type: 'varchar', length: 1000, nullable: true }) error!: string | null;
  @Column({ name: 'collected_at', type: 'timestamptz' }) collectedAt!: Date;
  /** When the last byte was stored (the agent forgets the bundle then). */
  @Column({ name: 'received_at', type: 'timestamptz', nullable: true }) receivedAt!: Date | null;
  /** When every file was verified against the manifest (status `complete`). */
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt!: Date | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

/**
 * A file of a bundle; `nextSeq` is the upload's resume point, `complete` once all of it is
 * stored, `verifiedAt` once it was found to be what the manifest announced. Since
 * 1765110000000 a file is kept as the gzip it arrived in (`encoding`), under the SHA-256 of
 * those bytes (`storedSha256`); older ones are kept as is, under `sha256`.
 */
@Entity({ name: 'log_bundle_file' })
export class LogBundleFileEntity {
  @PrimaryColumn({ name: 'bundle_id', type: 'uuid' }) bundleId!: string;
  @PrimaryColumn({ name: 'idx', type: 'integer' }) index!: number;
  @Column({ type: 'integer' }) source!: number;
  @Column({ type: 'varchar', length: 1024 }) path!: string;
  @Column({ name: 'real_path', type: 'varchar', length: 1024 }) realPath!: string;
  @Column({ ...bigint }) size!: number;
  @Column({ type: 'char', length: 64 }) sha256!: string;
  @Column({ type: 'integer' }) chunks!: number;
  @Column({ name: 'next_seq', type: 'integer' }) nextSeq!: number;
  @Column({ name: 'received_bytes', ...bigint }) receivedBytes!: number;
  @Column({ type: 'boolean' }) truncated!: boolean;
  @Column({ type: 'boolean' }) complete!: boolean;
  @Column({ name: 'stored_sha256', type: 'char', length: 64, nullable: true })
  storedSha256!: string | null;
  @Column({ name: 'stored_bytes', ...bigint }) storedBytes!: number;
  @Column({ type: 'varchar', length: 8 }) encoding!: 'identity' | 'gzip';
  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true }) verifiedAt!: Date | null;
}

/** The admin's path policy and storage limits; at most one row (id 1), defaults without it. */
@Entity({ name: 'log_collection_settings' })
export class LogCollectionSettingsEntity {
  @PrimaryColumn({ type: 'smallint' }) id!: number;
  @Column({ type: 'jsonb' }) allow!: string[];
  @Column({ type: 'jsonb' }) deny!: string[];
  @Column({ name: 'max_bundle_bytes', ...bigint }) maxBundleBytes!: number;
  @Column({ name: 'max_total_bytes', ...bigint }) maxTotalBytes!: number;
  @Column({ name: 'retention_days', type: 'integer' }) retentionDays!: number;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
  @Column({ name: 'updated_by', type: 'varchar', length: 254, nullable: true })
  updatedBy!: string | null;
}
