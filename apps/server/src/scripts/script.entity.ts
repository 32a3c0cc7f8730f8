import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';

/**
 * A script in the library. Its content lives in immutable `script_version` rows; this row
 * holds what can change in place (name, description, tags) and points at the current version.
 * Names are unique case-insensitively among scripts that are not archived (the migration's
 * `UQ_script_name` on `lower(name)`); tags have a GIN index for the tag filter.
 */
@Entity({ name: 'script' })
export class ScriptEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ type: 'varchar', length: 2000, default: '' })
  description!: string;

  @Column({ type: 'text', array: true, default: () => `'{}'` })
  tags!: string[];

  @Column({ name: 'current_version', type: 'integer' })
  currentVersion!: number;

  /** Shipped with Fleetdesk: installed at start-up, never edited or archived through the API. */
  @Column({ type: 'boolean', default: false })
  builtin!: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'archived_at', type: 'timestamptz', nullable: true })
  archivedAt!: Date | null;
}
