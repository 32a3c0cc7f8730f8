import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { ScheduleZoneMode, Weekday } from '@fleetdesk/api-types';

/** A recurring window (weekdays, a wall-clock start and end) for the devices of tags or groups. */
@Entity({ name: 'maintenance_window' })
@Index('IDX_maintenance_window_created_at', ['createdAt'])
export class MaintenanceWindowEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  tags!: string[];

  @Column({ name: 'group_ids', type: 'jsonb', default: () => `'[]'::jsonb` })
  groupIds!: string[];

  @Column({ type: 'jsonb' })
  days!: Weekday[];

  @Column({ name: 'start_time', type: 'char', length: 5 })
  start!: string;

  @Column({ name: 'end_time', type: 'char', length: 5 })
  end!: string;

  @Column({ name: 'zone_mode', type: 'varchar', length: 8 })
  zoneMode!: ScheduleZoneMode;

  @Column({ name: 'time_zone', type: 'varchar', length: 64, default: 'UTC' })
  timeZone!: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_by_email', type: 'varchar', length: 254, nullable: true })
  createdByEmail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
