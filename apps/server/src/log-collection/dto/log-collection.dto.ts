import { ApiProperty, ApiPropertyOptional, IntersectionType, OmitType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
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
import { LOG_COLLECTION_RULES as R } from '@fleetdesk/api-types';
import { commaList, IsNestedObject, IsOmittable } from '../../common/validators';
import { CreateJobDto } from '../../jobs/dto/job.dto';
import { LinePatternDto, TimeWindowDto } from './line-pattern.dto';

export class LogFilterDto extends LinePatternDto {
  @ApiPropertyOptional({
    minimum: R.filterTimeoutSeconds.min,
    maximum: R.filterTimeoutSeconds.max,
    default: R.filterTimeoutSeconds.default,
    description: 'Per source: past it the source fails instead of the agent hanging',
  })
  @IsOmittable()
  @IsInt()
  @Min(R.filterTimeoutSeconds.min)
  @Max(R.filterTimeoutSeconds.max)
  timeoutSeconds?: number;
}

/** The job form without the script (name, target, rollout), plus what to collect. */
export class CreateLogCollectionDto
  extends IntersectionType(
    OmitType(CreateJobDto, ['script', 'command', 'timeoutSeconds'] as const),
    TimeWindowDto,
  )
  implements api.CreateLogCollectionRequest
{
  @ApiProperty({
    description:
      'Each { type: "file", path } (a path or glob), { type: "journald", unit?, priority? } or { type: "eventlog", log, level? }',
    type: 'array',
    items: { type: 'object' },
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(R.sources)
  @IsObject({ each: true })
  sources!: api.LogSourceRequest[];

  @ApiPropertyOptional({ minimum: R.lastLines.min, maximum: R.lastLines.max })
  @IsOmittable()
  @IsInt()
  @Min(R.lastLines.min)
  @Max(R.lastLines.max)
  lastLines?: number;

  @ApiPropertyOptional({
    minimum: R.maxBytesPerSource.min,
    maximum: R.maxBytesPerSource.max,
    default: R.maxBytesPerSource.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.maxBytesPerSource.min)
  @Max(R.maxBytesPerSource.max)
  maxBytesPerSource?: number;

  @ApiPropertyOptional({ type: LogFilterDto })
  @IsOmittable()
  @IsNestedObject(() => LogFilterDto)
  filter?: LogFilterDto;

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

export class LogBundleQueryDto {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  jobId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  deviceId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  runId?: string;
}

/** GET /api/log-bundles/archive: a query, not a body, so a plain link downloads it. */
export class LogBundlesArchiveQueryDto {
  @ApiProperty({
    description: `Comma-separated bundle ids, 1 to ${R.archiveBundles}`,
    type: String,
  })
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(R.archiveBundles)
  @IsUUID('all', { each: true })
  ids!: string[];
}
