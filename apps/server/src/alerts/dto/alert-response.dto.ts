import { ApiProperty } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import { ALERT_SEVERITIES, ALERT_SOURCES, ALERT_STATES } from '@fleetdesk/api-types';

// Response shapes of the alerts routes, for the OpenAPI document; each implements its
// libs/api-types interface so the two cannot drift.

const nullableString = { type: String, nullable: true } as const;

export class AlertActor {
  @ApiProperty({ ...nullableString, format: 'uuid' }) id!: string | null;
  @ApiProperty(nullableString) email!: string | null;
}

export class AlertLinks {
  @ApiProperty({ ...nullableString, description: 'The device page' }) device!: string | null;
  @ApiProperty({ ...nullableString, description: "The check's history" }) check!: string | null;
}

export class AlertResponse implements api.AlertResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ALERT_SOURCES }) source!: api.AlertSource;
  @ApiProperty() subject!: string;
  @ApiProperty({ ...nullableString, format: 'uuid' }) checkId!: string | null;
  @ApiProperty({ ...nullableString, format: 'uuid' }) deviceId!: string | null;
  @ApiProperty() title!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: api.AlertSeverity;
  @ApiProperty({ enum: ALERT_STATES }) state!: api.AlertState;
  @ApiProperty() muted!: boolean;
  @ApiProperty() firedAt!: string;
  @ApiProperty(nullableString) acknowledgedAt!: string | null;
  @ApiProperty({ type: AlertActor, nullable: true }) acknowledgedBy!: AlertActor | null;
  @ApiProperty(nullableString) resolvedAt!: string | null;
  @ApiProperty({ type: AlertLinks }) links!: AlertLinks;
}

export class AcknowledgeAlertsResponse implements api.AcknowledgeAlertsResponse {
  @ApiProperty({ type: [String] }) acknowledged!: string[];
}

export class ResolveAlertsResponse implements api.ResolveAlertsResponse {
  @ApiProperty({ type: [String] }) resolved!: string[];
}

export class AlertSeverityCounts implements Record<api.AlertSeverity, number> {
  @ApiProperty() info!: number;
  @ApiProperty() warning!: number;
  @ApiProperty() critical!: number;
}

export class AlertSummaryResponse implements api.AlertSummaryResponse {
  @ApiProperty() firing!: number;
  @ApiProperty() acknowledged!: number;
  @ApiProperty({ type: AlertSeverityCounts }) bySeverity!: AlertSeverityCounts;
}

export class DeviceAlertCount implements api.DeviceAlertCount {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty() open!: number;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: api.AlertSeverity;
}
