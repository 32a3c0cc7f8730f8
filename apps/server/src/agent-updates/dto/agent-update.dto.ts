import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { AGENT_UPDATE_RULES } from '@fleetdesk/api-types';
import { IsOmittable } from '../../common/validators';
import { CreateJobDto } from '../../jobs/dto/job.dto';

const { trialTimeoutSeconds: trial, timeoutSeconds: timeout } = AGENT_UPDATE_RULES;

/** The job form without the script: name, target and rollout, plus the update's own limits. */
export class CreateAgentUpdateDto
  extends OmitType(CreateJobDto, ['script', 'command', 'timeoutSeconds'] as const)
  implements api.CreateAgentUpdateRequest
{
  @ApiPropertyOptional({
    minimum: trial.min,
    maximum: trial.max,
    default: trial.default,
    description: 'How long the running agent waits for the new one to connect before it rolls back',
  })
  @IsOmittable()
  @IsInt()
  @Min(trial.min)
  @Max(trial.max)
  trialTimeoutSeconds?: number;

  @ApiPropertyOptional({
    minimum: timeout.min,
    maximum: timeout.max,
    default: timeout.default,
    description:
      'From the moment a device gets the update to its result (download, trial, restart)',
  })
  @IsOmittable()
  @IsInt()
  @Min(timeout.min)
  @Max(timeout.max)
  timeoutSeconds?: number;
}

export class AgentReleasePlatformDto {
  @ApiProperty() platform!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty({ type: 'integer' }) size!: number;
}

export class AgentReleaseResponse implements api.AgentReleaseResponse {
  @ApiProperty({ type: String, nullable: true }) version!: string | null;
  @ApiProperty({ type: [AgentReleasePlatformDto] }) platforms!: AgentReleasePlatformDto[];
}
