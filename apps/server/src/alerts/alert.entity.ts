import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { AlertSeverity, AlertSource, AlertState } from '@fleetdesk/api-types';

@Entity({ name: 'alert' })
@Index('IDX_alert_fired_at', ['firedAt', 'id'])
@Index('IDX_alert_state_fired_at', ['state', 'firedAt', 'id'])
@Index('IDX_alert_device', ['deviceId', 'firedAt'])
@Index('IDX_alert_check', ['checkId', 'firedAt'])
export class AlertEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  source!: AlertSource;

  /** What the alert is about; at most one open alert per subject (UQ_alert_open_subject). */
  @Column({ type: 'varchar', length: 120 })
  subject!: string;

  @Column({ name: 'check_id', type: 'uuid', nullable: true })
  checkId!: string | null;

  @Column({ name: 'device_id', type: 'uuid', nullable: true })
  deviceId!: string | null;

  @Column({ type: 'varchar', length: 300 })
  title!: string;

  @Column({ type: 'varchar', length: 2000 })
  message!: string;

  @Column({ type: 'varchar', length: 16 })
  severity!: AlertSeverity;

  @Column({ type: 'varchar', length: 16 })
  state!: AlertState;

  @Column({ type: 'boolean', default: false })
  muted!: boolean;

  /** The device's group and the device's or check's tags when it fired, for routing. */
  @Column({ name: 'group_id', type: 'uuid', nullable: true })
  groupId!: string | null;

  @Column({ type: 'text', array: true, default: '{}' })
  tags!: string[];

  @Column({ name: 'fired_at', type: 'timestamptz' })
  firedAt!: Date;

  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Column({ name: 'acknowledged_by', type: 'uuid', nullable: true })
  acknowledgedBy!: string | null;

  @Column({ name: 'acknowledged_by_email', type: 'varchar', length: 254, nullable: true })
  acknowledgedByEmail!: string | null;

  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;
}

export function toAlertResponse(a: AlertEntity): import('@fleetdesk/api-types').AlertResponse {
  return {
    id: a.id,
    source: a.source,
    subject: a.subject,
    checkId: a.checkId,
    deviceId: a.deviceId,
    title: a.title,
    message: a.message,
    severity: a.severity,
    state: a.state,
    muted: a.muted,
    firedAt: new Date(a.firedAt).toISOString(),
    acknowledgedAt: a.acknowledgedAt ? new Date(a.acknowledgedAt).toISOString() : null,
    acknowledgedBy: a.acknowledgedAt
      ? { id: a.acknowledgedBy, email: a.acknowledgedByEmail }
      : null,
    resolvedAt: a.resolvedAt ? new Date(a.resolvedAt).toISOString() : null,
    links: {
      device: a.deviceId ? `/devices/${a.deviceId}` : null,
      check: !a.checkId
        ? null
        : a.source === 'agent_check'
          ? `/agent-checks/${a.checkId}`
          : `/website-checks/${a.checkId}`,
    },
  };
}
