import { ApiProperty } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import { ALERT_SEVERITIES, CHECK_OUTCOMES, REDIRECT_POLICIES } from '@fleetdesk/api-types';

// Response shapes of the website-check routes, for the OpenAPI document; each implements
// its libs/api-types interface so the two cannot drift.

const nullableString = { type: String, nullable: true } as const;
const nullableInt = { type: 'integer', nullable: true } as const;

export class WebsiteCheckRunFrom implements api.WebsiteCheckRunFrom {
  @ApiProperty({ type: [String] }) deviceIds!: string[];
  @ApiProperty({ type: [String] }) groupIds!: string[];
  @ApiProperty({ type: [String] }) tags!: string[];
}

export class WebsiteCheckResponse implements api.WebsiteCheckResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() url!: string;
  @ApiProperty({ type: 'integer' }) expectedStatus!: number;
  @ApiProperty(nullableInt) latencyLimitMs!: number | null;
  @ApiProperty(nullableString) bodyContains!: string | null;
  @ApiProperty(nullableString) bodyNotContains!: string | null;
  @ApiProperty({ enum: REDIRECT_POLICIES }) redirectPolicy!: api.RedirectPolicy;
  @ApiProperty({ type: 'integer' }) maxRedirects!: number;
  @ApiProperty({ type: 'integer' }) certWarnDays!: number;
  @ApiProperty({ type: 'integer' }) intervalSeconds!: number;
  @ApiProperty({ type: 'integer' }) timeoutMs!: number;
  @ApiProperty({ type: 'integer' }) failThreshold!: number;
  @ApiProperty({ type: 'integer' }) successThreshold!: number;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: api.AlertSeverity;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: () => WebsiteCheckRunFrom }) runFrom!: api.WebsiteCheckRunFrom;
  @ApiProperty({ enum: CHECK_OUTCOMES, nullable: true }) lastOutcome!: api.CheckOutcome | null;
  @ApiProperty(nullableString) lastCheckedAt!: string | null;
  @ApiProperty() nextRunAt!: string;
  @ApiProperty() createdAt!: string;
}

export class WebsiteCheckResult implements api.WebsiteCheckResult {
  @ApiProperty() at!: string;
  @ApiProperty({ ...nullableString, description: 'null: the server' }) deviceId!: string | null;
  @ApiProperty({ enum: CHECK_OUTCOMES }) outcome!: api.CheckOutcome;
  @ApiProperty(nullableInt) statusCode!: number | null;
  @ApiProperty(nullableInt) latencyMs!: number | null;
  @ApiProperty(nullableString) certExpiresAt!: string | null;
  @ApiProperty(nullableString) message!: string | null;
}

export class WebsiteCheckLocation implements api.WebsiteCheckLocation {
  @ApiProperty({ ...nullableString, description: 'null: the server' }) deviceId!: string | null;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CHECK_OUTCOMES, nullable: true }) lastOutcome!: api.CheckOutcome | null;
  @ApiProperty(nullableString) lastCheckedAt!: string | null;
  @ApiProperty(nullableInt) statusCode!: number | null;
  @ApiProperty(nullableInt) latencyMs!: number | null;
  @ApiProperty(nullableString) message!: string | null;
}

export class WebsiteCheckLocationsResponse implements api.WebsiteCheckLocationsResponse {
  @ApiProperty({ type: [WebsiteCheckLocation] }) items!: WebsiteCheckLocation[];
  @ApiProperty({ type: 'integer' }) devices!: number;
}
