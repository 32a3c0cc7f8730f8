import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { InstallerType } from '@fleetdesk/api-types';

/**
 * An uploaded installer. The bytes live in the blob store under their SHA-256, never under a
 * name a client gave; `file_name` is only shown.
 */
@Entity({ name: 'software_installer' })
@Index('IDX_software_installer_created_at', ['createdAt'])
@Index('IDX_software_installer_sha256', ['sha256'])
export class SoftwareInstallerEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'file_name', type: 'varchar', length: 255 })
  fileName!: string;

  @Column({ type: 'varchar', length: 8 })
  type!: InstallerType;

  @Column({ type: 'char', length: 64 })
  sha256!: string;

  /** bigint: node-postgres returns it as a string. */
  @Column({ type: 'bigint' })
  size!: string;

  @Column({ name: 'silent_args', type: 'jsonb', default: () => `'[]'::jsonb` })
  silentArgs!: string[];

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @Column({ name: 'created_by_email', type: 'varchar', length: 320, nullable: true })
  createdByEmail!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
