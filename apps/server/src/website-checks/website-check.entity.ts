import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type {
  AlertSeverity,
  CheckOutcome,
  RedirectPolicy,
  WebsiteCheckResponse,
  WebsiteCheckResult,
  WebsiteCheckRunFrom,
} from '@fleetdesk/api-types';

@Entity({ name: 'website_check' })
@Index('IDX_website_check_created_at', ['createdAt', 'id'])
export class WebsiteCheckEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  @Column({ name: 'expected_status', type: 'integer', default: 200 })
  expectedStatus!: number;

  @Column({ name: 'latency_limit_ms', type: 'integer', nullable: true })
  latencyLimitMs!: number | null;

  @Column({ name: 'body_contains', type: 'varchar', length: 1000, nullable: true })
  bodyContains!: string | null;

  @Column({ name: 'body_not_contains', type: 'varchar', length: 1000, nullable: true })
  bodyNotContains!: string | null;

  @Column({ name: 'redirect_policy', type: 'varchar', length: 8, default: 'follow' })
  redirectPolicy!: RedirectPolicy;

  @Column({ name: 'max_redirects', type: 'integer', default: 5 })
  maxRedirects!: number;

  @Column({ name: 'cert_warn_days', type: 'integer', default: 14 })
  certWarnDays!: number;

  @Column({ name: 'interval_seconds', type: 'integer', default: 60 })
  intervalSeconds!: number;

  @Column({ name: 'timeout_ms', type: 'integer', default: 10000 })
  timeoutMs!: number;

  @Column({ name: 'fail_threshold', type: 'integer', default: 2 })
  failThreshold!: number;

  @Column({ name: 'success_threshold', type: 'integer', default: 1 })
  successThreshold!: number;

  @Column({ type: 'varchar', length: 16, default: 'critical' })
  severity!: AlertSeverity;

  @Column({ type: 'text', array: true, default: '{}' })
  tags!: string[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Devices that also run the check (WebsiteCheckDelivery): named, by group, by tag. */
  @Column({ name: 'run_from_device_ids', type: 'uuid', array: true, default: '{}' })
  runFromDeviceIds!: string[];

  @Column({ name: 'run_from_group_ids', type: 'uuid', array: true, default: '{}' })
  runFromGroupIds!: string[];

  @Column({ name: 'run_from_tags', type: 'text', array: true, default: '{}' })
  runFromTags!: string[];

  /** Claiming a run is moving this forward by one interval (WebsiteCheckRunner). */
  @Column({ name: 'next_run_at', type: 'timestamptz', default: () => 'now()' })
  nextRunAt!: Date;

  @Column({ name: 'last_outcome', type: 'varchar', length: 16, nullable: true })
  lastOutcome!: CheckOutcome | null;

  @Column({ name: 'last_checked_at', type: 'timestamptz', nullable: true })
  lastCheckedAt!: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

export const runFromOf = (c: WebsiteCheckEntity): WebsiteCheckRunFrom => ({
  deviceIds: c.runFromDeviceIds,
  groupIds: c.runFromGroupIds,
  tags: c.runFromTags,
});

/** Whether any device runs the check besides the server. */
export const runsFromDevices = (c: WebsiteCheckEntity): boolean =>
  c.runFromDeviceIds.length + c.runFromGroupIds.length + c.runFromTags.length > 0;

export function toWebsiteCheckResponse(c: WebsiteCheckEntity): WebsiteCheckResponse {
  return {
    id: c.id,
    name: c.name,
    url: c.url,
    expectedStatus: c.expectedStatus,
    latencyLimitMs: c.latencyLimitMs,
    bodyContains: c.bodyContains,
    bodyNotContains: c.bodyNotContains,
    redirectPolicy: c.redirectPolicy,
    maxRedirects: c.maxRedirects,
    certWarnDays: c.certWarnDays,
    intervalSeconds: c.intervalSeconds,
    timeoutMs: c.timeoutMs,
    failThreshold: c.failThreshold,
    successThreshold: c.successThreshold,
    severity: c.severity,
    tags: c.tags,
    enabled: c.enabled,
    runFrom: runFromOf(c),
    lastOutcome: c.lastOutcome,
    lastCheckedAt: iso(c.lastCheckedAt),
    nextRunAt: new Date(c.nextRunAt).toISOString(),
    createdAt: new Date(c.createdAt).toISOString(),
  };
}

export interface ResultRow {
  at: Date;
  device_id: string | null;
  outcome: CheckOutcome;
  status_code: number | null;
  latency_ms: number | null;
  cert_expires_at: Date | null;
  message: string | null;
}

export function toResult(r: ResultRow): WebsiteCheckResult {
  return {
    at: new Date(r.at).toISOString(),
    deviceId: r.device_id,
    outcome: r.outcome,
    statusCode: r.status_code,
    latencyMs: r.latency_ms,
    certExpiresAt: iso(r.cert_expires_at),
    message: r.message,
  };
}
