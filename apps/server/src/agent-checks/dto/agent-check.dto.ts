import { ApiProperty, ApiPropertyOptional, OmitType, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  AGENT_CHECK_KINDS,
  AGENT_CHECK_LIMITS as L,
  ALERT_SEVERITIES,
  isCheckHost,
  isProbeName,
  MONITORING_LIMITS as M,
  SCRIPT_LANGUAGES,
} from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable, IsTagList, Trim } from '../../common/validators';

const Is = (name: string, test: (s: string) => boolean, message: string) =>
  ValidateBy({
    name,
    validator: {
      validate: (v: unknown) => v === null || v === undefined || (typeof v === 'string' && test(v)),
      defaultMessage: (args) => `${args?.property ?? 'value'} ${message}`,
    },
  });
const IsProbeName = () =>
  Is('isProbeName', isProbeName, 'must not start with "-" or hold control characters');
const IsCheckHost = () => Is('isCheckHost', isCheckHost, 'must be a host name or IP address');

export class AgentCheckTargetDto implements api.AgentCheckTarget {
  @ApiPropertyOptional({ description: 'Every enrolled device' })
  @IsOmittable()
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(L.targetIds)
  @IsUUID('all', { each: true })
  deviceIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(L.targetIds)
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsTagList(L.targetTags)
  tags?: string[];
}

/** The settings every kind may carry; which a kind needs is `agentCheckProblem`'s rule. */
export class CreateAgentCheckDto implements api.AgentCheckRequest {
  @ApiProperty()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(L.nameLength)
  name!: string;

  @ApiProperty({ enum: AGENT_CHECK_KINDS })
  @IsIn(AGENT_CHECK_KINDS)
  kind!: api.AgentCheckKind;

  @ApiProperty({ type: AgentCheckTargetDto })
  @IsNestedObject(() => AgentCheckTargetDto)
  target!: AgentCheckTargetDto;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 0, maximum: 100 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(L.thresholdPercent.min)
  @Max(L.thresholdPercent.max)
  thresholdPercent?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'disk: one mount point' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.mountLength)
  @IsProbeName()
  mount?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.targetLength)
  @IsProbeName()
  service?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.targetLength)
  @IsProbeName()
  process?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.targetLength)
  @IsCheckHost()
  host?: string | null;

  @ApiPropertyOptional({ type: Number, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(L.port.min)
  @Max(L.port.max)
  port?: number | null;

  @ApiPropertyOptional({ enum: SCRIPT_LANGUAGES, nullable: true })
  @IsOptional()
  @IsIn(SCRIPT_LANGUAGES)
  language?: api.ScriptLanguage | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Nagios plugin convention' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.scriptBytes)
  script?: string | null;

  @ApiPropertyOptional({ minimum: L.intervalSeconds.min, maximum: L.intervalSeconds.max })
  @IsOmittable()
  @IsInt()
  @Min(L.intervalSeconds.min)
  @Max(L.intervalSeconds.max)
  intervalSeconds?: number;

  @ApiPropertyOptional({ minimum: L.timeoutSeconds.min, maximum: L.timeoutSeconds.max })
  @IsOmittable()
  @IsInt()
  @Min(L.timeoutSeconds.min)
  @Max(L.timeoutSeconds.max)
  timeoutSeconds?: number;

  @ApiPropertyOptional({ minimum: L.durationSeconds.min, maximum: L.durationSeconds.max })
  @IsOmittable()
  @IsInt()
  @Min(L.durationSeconds.min)
  @Max(L.durationSeconds.max)
  durationSeconds?: number;

  @ApiPropertyOptional({ enum: ALERT_SEVERITIES, default: 'critical' })
  @IsOmittable()
  @IsIn(ALERT_SEVERITIES)
  severity?: api.AlertSeverity;

  @ApiPropertyOptional({ minimum: M.threshold.min, maximum: M.threshold.max, default: 1 })
  @IsOmittable()
  @IsInt()
  @Min(M.threshold.min)
  @Max(M.threshold.max)
  failThreshold?: number;

  @ApiPropertyOptional({ minimum: M.threshold.min, maximum: M.threshold.max, default: 1 })
  @IsOmittable()
  @IsInt()
  @Min(M.threshold.min)
  @Max(M.threshold.max)
  successThreshold?: number;

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

/** A check's kind is what it is: changing it is a new check. */
export class UpdateAgentCheckDto extends PartialType(OmitType(CreateAgentCheckDto, ['kind'])) {}
