import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { SoftwarePackageRef } from '@fleetdesk/api-types';

/** A catalogue title: its package name per manager, each with an optional version pin. */
@Entity({ name: 'software_title' })
export class SoftwareTitleEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Unique, case-insensitively (UQ_software_title_name). */
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 200, nullable: true })
  publisher!: string | null;

  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  packages!: SoftwarePackageRef[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
