import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertSeverity, ChannelKind, ChannelResponse } from '@fleetdesk/api-types';

@Entity({ name: 'notification_channel' })
export class ChannelEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: ChannelKind;

  /** The webhook URL, sealed: a Slack or Teams URL is itself the credential to post. */
  @Column({ name: 'url_sealed', type: 'text', nullable: true })
  urlSealed!: string | null;

  /** What the API shows of the URL: scheme, host and the start of the path. */
  @Column({ name: 'url_display', type: 'varchar', length: 300, nullable: true })
  urlDisplay!: string | null;

  @Column({ name: 'email_to', type: 'text', array: true, default: '{}' })
  emailTo!: string[];

  @Column({ name: 'signing_secret_sealed', type: 'text', nullable: true })
  signingSecretSealed!: string | null;

  @Column({ name: 'min_severity', type: 'varchar', length: 16, default: 'warning' })
  minSeverity!: AlertSeverity;

  @Column({ name: 'group_ids', type: 'uuid', array: true, default: '{}' })
  groupIds!: string[];

  @Column({ type: 'text', array: true, default: '{}' })
  tags!: string[];

  @Column({ name: 'digest_seconds', type: 'integer', default: 30 })
  digestSeconds!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/** Where each sealed field lives, so a sealed value moved to another row fails to open. */
export const urlAad = (id: string) => `notification_channel:${id}:url`;
export const secretAad = (id: string) => `notification_channel:${id}:signing_secret`;

/** Enough of a URL to recognise it, not enough to post to it. */
export function displayUrl(raw: string): string {
  const u = new URL(raw);
  const path = u.pathname.length > 12 ? `${u.pathname.slice(0, 12)}…` : u.pathname;
  return `${u.protocol}//${u.host}${path}`;
}

export function toChannelResponse(c: ChannelEntity): ChannelResponse {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    url: c.urlDisplay,
    emailTo: c.emailTo,
    routing: { minSeverity: c.minSeverity, groupIds: c.groupIds, tags: c.tags },
    digestSeconds: c.digestSeconds,
    enabled: c.enabled,
    createdAt: new Date(c.createdAt).toISOString(),
  };
}
