import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsString, IsUUID, MaxLength, MinLength } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { AGENT_CHECK_KINDS, POLICY_LIMITS } from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable, IsTagList, Trim } from '../../common/validators';

export class PolicyTargetDto implements api.PolicyTarget {
  @IsOmittable()
  @IsTagList(POLICY_LIMITS.targets)
  tags?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(POLICY_LIMITS.targets)
  @IsUUID('all', { each: true })
  groupIds?: string[];
}

export class CreatePolicyDto implements api.CreatePolicyRequest {
  @ApiProperty()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(POLICY_LIMITS.nameLength)
  name!: string;

  @ApiPropertyOptional({ default: '' })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(POLICY_LIMITS.descriptionLength)
  description?: string;

  @ApiProperty({ type: PolicyTargetDto, description: 'The groups and/or tags it is attached to' })
  @IsNestedObject(() => PolicyTargetDto)
  target!: PolicyTargetDto;

  @ApiProperty({ type: [String], format: 'uuid', description: 'The schedules it bundles' })
  @IsArray()
  @ArrayMaxSize(POLICY_LIMITS.schedules)
  @IsUUID('all', { each: true })
  scheduleIds!: string[];

  @ApiPropertyOptional({
    type: [String],
    format: 'uuid',
    description: 'The agent checks it carries',
    default: [],
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(POLICY_LIMITS.checks)
  @IsUUID('all', { each: true })
  checkIds?: string[];
}

export class UpdatePolicyDto implements api.UpdatePolicyRequest {
  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(POLICY_LIMITS.nameLength)
  name?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(POLICY_LIMITS.descriptionLength)
  description?: string;

  @ApiPropertyOptional({ type: PolicyTargetDto })
  @IsOmittable()
  @IsNestedObject(() => PolicyTargetDto)
  target?: PolicyTargetDto;

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(POLICY_LIMITS.schedules)
  @IsUUID('all', { each: true })
  scheduleIds?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Replaces the list' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(POLICY_LIMITS.checks)
  @IsUUID('all', { each: true })
  checkIds?: string[];
}

class NamedRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

class PolicyTargetResponse {
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: [NamedRef] }) groups!: NamedRef[];
}

export class PolicyScheduleResponse implements api.PolicySchedule {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() paused!: boolean;
  @ApiProperty({ type: String, nullable: true }) nextDueAt!: string | null;
}

export class PolicyCheckResponse implements api.AgentCheckSummary {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: AGENT_CHECK_KINDS }) kind!: api.AgentCheckKind;
  @ApiProperty() enabled!: boolean;
}

export class PolicyResponse implements api.PolicyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: PolicyTargetResponse }) target!: PolicyTargetResponse;
  @ApiProperty({ type: [PolicyScheduleResponse] }) schedules!: PolicyScheduleResponse[];
  @ApiProperty({ type: [PolicyCheckResponse] }) checks!: PolicyCheckResponse[];
  @ApiProperty() createdBy!: { id: string | null; email: string | null };
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

class DevicePolicyRef {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
}

class PolicyMatchResponse {
  @ApiProperty({ enum: ['group', 'tag'] }) kind!: 'group' | 'tag';
  @ApiPropertyOptional({ type: NamedRef }) group?: NamedRef;
  @ApiPropertyOptional() tag?: string;
}

export class DevicePolicyResponse {
  @ApiProperty({ type: DevicePolicyRef }) policy!: DevicePolicyRef;
  @ApiProperty({ type: [PolicyMatchResponse], description: 'Each group or tag it matched by' })
  matchedBy!: PolicyMatchResponse[];
  @ApiProperty({ type: [PolicyScheduleResponse] }) schedules!: PolicyScheduleResponse[];
  @ApiProperty({ type: [PolicyCheckResponse] }) checks!: PolicyCheckResponse[];
}
