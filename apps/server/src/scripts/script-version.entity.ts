import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import type { ScriptLanguage } from '@fleetdesk/api-types';
import type { StoredParameter } from './script-secrets';
import { ScriptEntity } from './script.entity';

/** One immutable revision of a script's content. Jobs point at (script, version). */
@Entity({ name: 'script_version' })
export class ScriptVersionEntity {
  @PrimaryColumn({ name: 'script_id', type: 'uuid' })
  scriptId!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @ManyToOne(() => ScriptEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'script_id' })
  script?: ScriptEntity;

  @Column({ type: 'varchar', length: 16 })
  language!: ScriptLanguage;

  @Column({ type: 'text' })
  body!: string;

  @Column({ name: 'body_sha256', type: 'char', length: 64 })
  bodySha256!: string;

  /** Secret defaults sealed (see script-secrets.ts); open them only to run or compare. */
  @Column({ type: 'jsonb', default: () => `'[]'::jsonb` })
  parameters!: StoredParameter[];

  @Column({ name: 'default_timeout_seconds', type: 'integer' })
  defaultTimeoutSeconds!: number;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
