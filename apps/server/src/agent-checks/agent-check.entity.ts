import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type {
  AgentCheckKind,
  AgentCheckResponse,
  AgentCheckStateResponse,
  AgentCheckStatus,
  AlertSeverity,
  ScriptLanguage,
} from '@fleetdesk/api-types';
import type { AgentCheckSpec } from '@fleetdesk/protocol';

@Entity({ name: 'agent_check' })
@Index('IDX_agent_check_created_at', ['createdAt', 'id'])
export class AgentCheckEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: AgentCheckKind;

  @Column({ name: 'target_all', type: 'boolean', default: false })
  targetAll!: boolean;

  @Column({ name: 'target_device_ids', type: 'uuid', array: true, default: '{}' })
  targetDeviceIds!: string[];

  @Column({ name: 'target_group_ids', type: 'uuid', array: true, default: '{}' })
  targetGroupIds!: string[];

  @Column({ name: 'target_tags', type: 'text', array: true, default: '{}' })
  targetTags!: string[];

  @Column({ name: 'threshold_percent', type: 'double precision', nullable: true })
  thresholdPercent!: number | null;

  @Column({ type: 'varchar', length: 1024, nullable: true })
  mount!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  service!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  process!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  host!: string | null;

  @Column({ type: 'integer', nullable: true })
  port!: number | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  language!: ScriptLanguage | null;

  @Column({ type: 'text', nullable: true })
  script!: string | null;

  @Column({ name: 'interval_seconds', type: 'integer', default: 60 })
  intervalSeconds!: number;

  @Column({ name: 'timeout_seconds', type: 'integer', default: 30 })
  timeoutSeconds!: number;

  @Column({ name: 'duration_seconds', type: 'integer', default: 0 })
  durationSeconds!: number;

  @Column({ type: 'varchar', length: 16, default: 'critical' })
  severity!: AlertSeverity;

  @Column({ name: 'fail_threshold', type: 'integer', default: 1 })
  failThreshold!: number;

  @Column({ name: 'success_threshold', type: 'integer', default: 1 })
  successThreshold!: number;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

export function toAgentCheckResponse(c: AgentCheckEntity): AgentCheckResponse {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    target: {
      all: c.targetAll,
      deviceIds: c.targetDeviceIds,
      groupIds: c.targetGroupIds,
      tags: c.targetTags,
    },
    thresholdPercent: c.thresholdPercent,
    mount: c.mount,
    service: c.service,
    process: c.process,
    host: c.host,
    port: c.port,
    language: c.language,
    script: c.script,
    intervalSeconds: c.intervalSeconds,
    timeoutSeconds: c.timeoutSeconds,
    durationSeconds: c.durationSeconds,
    severity: c.severity,
    failThreshold: c.failThreshold,
    successThreshold: c.successThreshold,
    enabled: c.enabled,
    createdAt: new Date(c.createdAt).toISOString(),
    updatedAt: new Date(c.updatedAt).toISOString(),
  };
}

/** The check as the agent runs it: only the fields its kind uses, durations in ms. */
export function toAgentCheckSpec(c: AgentCheckEntity): AgentCheckSpec {
  const spec: AgentCheckSpec = {
    id: c.id,
    kind: c.kind,
    intervalMs: c.intervalSeconds * 1000,
    timeoutMs: c.timeoutSeconds * 1000,
    durationMs: c.durationSeconds * 1000,
  };
  const fields = {
    thresholdPercent: c.thresholdPercent,
    mount: c.mount,
    service: c.service,
    process: c.process,
    host: c.host,
    port: c.port,
    language: c.language,
    script: c.script,
  };
  for (const [k, v] of Object.entries(fields))
    if (v !== null && v !== undefined) (spec as unknown as Record<string, unknown>)[k] = v;
  return spec;
}

export interface StateRow {
  check_id: string;
  check_name: string;
  check_kind: AgentCheckKind;
  device_id: string;
  status: AgentCheckStatus;
  message: string;
  value: number | null;
  at: Date;
}

export const toStateResponse = (
  r: StateRow,
  deviceName: string | null,
): AgentCheckStateResponse => ({
  checkId: r.check_id,
  checkName: r.check_name,
  checkKind: r.check_kind,
  deviceId: r.device_id,
  deviceName,
  status: r.status,
  message: r.message,
  value: r.value,
  at: new Date(r.at).toISOString(),
});
