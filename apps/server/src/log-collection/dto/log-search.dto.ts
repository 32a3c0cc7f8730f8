import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { LOG_COLLECTION_RULES, LOG_SEARCH_RULES as R } from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable } from '../../common/validators';
import { CreateJobDto } from '../../jobs/dto/job.dto';

export class LogSearchQueryDto implements api.LogSearchQuery {
  @ApiProperty({ enum: ['substring', 'regex'] })
  @IsIn(['substring', 'regex'])
  mode!: 'substring' | 'regex';

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  pattern!: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsBoolean()
  ignoreCase?: boolean;

  @ApiPropertyOptional({
    minimum: R.timeoutSeconds.min,
    maximum: R.timeoutSeconds.max,
    default: R.timeoutSeconds.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.timeoutSeconds.min)
  @Max(R.timeoutSeconds.max)
  timeoutSeconds?: number;
}

class SearchOptionsDto {
  @ApiProperty({ type: LogSearchQueryDto })
  @IsNestedObject(() => LogSearchQueryDto)
  query!: LogSearchQueryDto;

  @ApiPropertyOptional({ description: 'ISO 8601: only lines stamped at or after' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'ISO 8601: only lines stamped at or before' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({
    minimum: R.context.min,
    maximum: R.context.max,
    default: R.context.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.context.min)
  @Max(R.context.max)
  context?: number;

  @ApiPropertyOptional({
    minimum: R.maxMatches.min,
    maximum: R.maxMatches.max,
    default: R.maxMatches.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.maxMatches.min)
  @Max(R.maxMatches.max)
  maxMatches?: number;
}

export class CreateLogSearchDto
  extends OmitType(CreateJobDto, ['script', 'command', 'software', 'timeoutSeconds'] as const)
  implements api.CreateLogSearchRequest
{
  @ApiProperty({
    description: 'As for a collection: { type: "file", path } (path or glob), journald, eventlog',
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LOG_COLLECTION_RULES.sources)
  @IsObject({ each: true })
  sources!: api.LogSourceRequest[];

  @ApiProperty({ type: LogSearchQueryDto })
  @IsNestedObject(() => LogSearchQueryDto)
  query!: LogSearchQueryDto;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsISO8601({ strict: true })
  until?: string;

  @ApiPropertyOptional({
    minimum: R.context.min,
    maximum: R.context.max,
    default: R.context.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.context.min)
  @Max(R.context.max)
  context?: number;

  @ApiPropertyOptional({
    minimum: R.maxMatches.min,
    maximum: R.maxMatches.max,
    default: R.maxMatches.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.maxMatches.min)
  @Max(R.maxMatches.max)
  maxMatches?: number;

  @ApiPropertyOptional({
    minimum: R.jobTimeoutSeconds.min,
    maximum: R.jobTimeoutSeconds.max,
    default: R.jobTimeoutSeconds.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.jobTimeoutSeconds.min)
  @Max(R.jobTimeoutSeconds.max)
  timeoutSeconds?: number;
}

export class SearchBundlesDto extends SearchOptionsDto implements api.SearchBundlesRequest {
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(R.bundles)
  @IsUUID('all', { each: true })
  bundleIds?: string[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  jobId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  deviceId?: string;
}
