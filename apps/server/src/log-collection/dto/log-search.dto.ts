import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsObject,
  IsUUID,
  Max,
  Min,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { LOG_COLLECTION_RULES, LOG_SEARCH_RULES as R } from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable } from '../../common/validators';
import { CreateJobDto } from '../../jobs/dto/job.dto';
import { LinePatternDto, TimeWindowDto } from './line-pattern.dto';

export class LogSearchQueryDto extends LinePatternDto implements api.LogSearchQuery {
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

/** What a fleet search and a search of stored bundles share: the query, its window, the output. */
class SearchOptionsDto extends TimeWindowDto {
  @ApiProperty({ type: LogSearchQueryDto })
  @IsNestedObject(() => LogSearchQueryDto)
  query!: LogSearchQueryDto;

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
  extends IntersectionType(
    OmitType(CreateJobDto, ['script', 'command', 'software', 'timeoutSeconds'] as const),
    SearchOptionsDto,
  )
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
