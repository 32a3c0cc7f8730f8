import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { DeviceConnectionStatus } from '@fleetdesk/api-types';
import type { HeartbeatBody } from '@fleetdesk/protocol';

@Entity({ name: 'device' })
// Not lastSeenAt: heartbeats set it, and an indexed column would make every heartbeat a
// non-HOT update writing all of the row's indexes (migration 1765090000000).
@Index('IDX_device_status', ['status'])
@Index('IDX_device_os_platform', ['osPlatform'])
@Index('IDX_device_group_id', ['groupId'])
@Index('IDX_device_enrolled_at', ['enrolledAt'])
export class DeviceEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** A technician-given name; null shows the hostname. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  name!: string | null;

  @Column({ type: 'varchar', length: 255 })
  hostname!: string;

  @Column({ name: 'public_key', type: 'text' })
  publicKey!: string;

  @Column({ name: 'os_platform', type: 'varchar', length: 32 })
  osPlatform!: string;

  @Column({ name: 'os_distro', type: 'varchar', length: 128 })
  osDistro!: string;

  @Column({ name: 'os_release', type: 'varchar', length: 128 })
  osRelease!: string;

  @Column({ type: 'varchar', length: 32 })
  arch!: string;

  @Column({ name: 'agent_version', type: 'varchar', length: 64 })
  agentVersion!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: DeviceConnectionStatus;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt!: Date | null;

  @Column({ name: 'last_ip', type: 'varchar', length: 64, nullable: true })
  lastIp!: string | null;

  @Column({ name: 'ip_addresses', type: 'text', array: true })
  ipAddresses!: string[];

  @Column({ type: 'jsonb', nullable: true })
  metrics!: HeartbeatBody | null;

  @Column({ name: 'metrics_at', type: 'timestamptz', nullable: true })
  metricsAt!: Date | null;

  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId!: string | null;

  @Column({ name: 'enrollment_token_id', type: 'uuid', nullable: true })
  enrollmentTokenId!: string | null;

  @Column({ name: 'enrolled_at', type: 'timestamptz', default: () => 'now()' })
  enrolledAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  /** Reports of this device the database refused and that were dropped (see DeviceTelemetryService). */
  @Column({
    name: 'rejected_reports',
    type: 'bigint',
    default: 0,
    transformer: { from: Number, to: (v: number) => v },
  })
  rejectedReports!: number;

  @Column({ name: 'last_rejected_at', type: 'timestamptz', nullable: true })
  lastRejectedAt!: Date | null;

  /** IANA zone from the agent's inventory; device-local schedules fire in it. */
  @Column({ name: 'time_zone', type: 'varchar', length: 64, nullable: true })
  timeZone!: string | null;
}
