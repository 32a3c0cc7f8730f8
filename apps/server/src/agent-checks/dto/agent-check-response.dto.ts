import { ApiProperty } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import {
  AGENT_CHECK_KINDS,
  AGENT_CHECK_STATUSES,
  ALERT_SEVERITIES,
  SCRIPT_LANGUAGES,
} from '@fleetdesk/api-types';

// Response shapes of the agent-check routes, for the OpenAPI document; each implements its
// libs/api-types interface so the two cannot drift.

const nullableString = { type: String, nullable: true } as const;
const nullableNumber = { type: Number, nullable: true } as const;

export class AgentCheckTargetResponse implements Required<api.AgentCheckTarget> {
  @ApiProperty() all!: boolean;
  @ApiProperty({ type: [String] }) deviceIds!: string[];
  @ApiProperty({ type: [String] }) groupIds!: string[];
  @ApiProperty({ type: [String] }) tags!: string[];
}

export class AgentCheckResponse implements api.AgentCheckResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AGENT_CHECK_KINDS }) kind!: api.AgentCheckKind;
  @ApiProperty({ type: AgentCheckTargetResponse }) target!: AgentCheckTargetResponse;
  @ApiProperty(nullableNumber) thresholdPercent!: number | null;
  @ApiProperty(nullableString) mount!: string | null;
  @ApiProperty(nullableString) service!: string | null;
  @ApiProperty(nullableString) process!: string | null;
  @ApiProperty(nullableString) host!: string | null;
  @ApiProperty(nullableNumber) port!: number | null;
  @ApiProperty({ enum: SCRIPT_LANGUAGES, nullable: true }) language!: api.ScriptLanguage | null;
  @ApiProperty(nullableString) script!: string | null;
  @ApiProperty({ type: 'integer' }) intervalSeconds!: number;
  @ApiProperty({ type: 'integer' }) timeoutSeconds!: number;
  @ApiProperty({ type: 'integer' }) durationSeconds!: number;
  @ApiProperty({ enum: ALERT_SEVERITIES }) severity!: api.AlertSeverity;
  @ApiProperty({ type: 'integer' }) failThreshold!: number;
  @ApiProperty({ type: 'integer' }) successThreshold!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class AgentCheckStateResponse implements api.AgentCheckStateResponse {
  @ApiProperty({ format: 'uuid' }) checkId!: string;
  @ApiProperty() checkName!: string;
  @ApiProperty({ enum: AGENT_CHECK_KINDS }) checkKind!: api.AgentCheckKind;
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The device’s display name; null once it is revoked or gone',
  })
  deviceName!: string | null;
  @ApiProperty({ enum: AGENT_CHECK_STATUSES }) status!: api.AgentCheckStatus;
  @ApiProperty() message!: string;
  @ApiProperty(nullableNumber) value!: number | null;
  @ApiProperty() at!: string;
}
