import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  SCHEDULE_CATCH_UP,
  SCHEDULE_LIMITS,
  SCHEDULE_OFFLINE_POLICIES,
  SCHEDULE_ZONE_MODES,
} from '@fleetdesk/api-types';
import { isIanaTimeZone } from '@fleetdesk/protocol';
import { IsIntQuery, IsNestedObject, IsOmittable, Trim } from '../../common/validators';
import { CreateJobDto } from '../../jobs/dto/job.dto';

const IsIanaZone = () =>
  ValidateBy({
    name: 'isIanaZone',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && isIanaTimeZone(v),
      defaultMessage: () => '$property must be an IANA time zone name such as Europe/Paris',
    },
  });

// One rule per timing field, shared by create, update and preview.
const IsCron = () =>
  applyDecorators(Trim(), IsString(), MinLength(1), MaxLength(SCHEDULE_LIMITS.cronLength));
const IsLocalDateTime = () =>
  Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, {
    message: 'runAt must be a local date-time like 2026-12-24T02:00 (no offset)',
  });
export const IsTimeZone = () =>
  applyDecorators(MaxLength(SCHEDULE_LIMITS.timeZoneLength), IsIanaZone());

/** Fields shared by create and update; update makes every one optional. */
export class CreateScheduleDto implements api.CreateScheduleRequest {
  @ApiProperty()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEDULE_LIMITS.nameLength)
  name!: string;

  @ApiProperty({ type: CreateJobDto, description: 'Exactly what POST /api/jobs accepts' })
  @IsNestedObject(() => CreateJobDto)
  job!: CreateJobDto;

  @ApiPropertyOptional({
    description: 'A cron expression (5 fields, or @daily and the like); or give runAt',
  })
  @IsOmittable()
  @IsCron()
  cron?: string;

  @ApiPropertyOptional({
    description: 'A one-off local time YYYY-MM-DDTHH:mm[:ss], read in the schedule zone(s)',
  })
  @IsOmittable()
  @IsLocalDateTime()
  runAt?: string;

  @ApiProperty({ enum: SCHEDULE_ZONE_MODES })
  @IsIn(SCHEDULE_ZONE_MODES)
  zoneMode!: api.ScheduleZoneMode;

  @ApiPropertyOptional({ default: 'UTC', description: 'Fixed zone, or the fallback zone' })
  @IsOmittable()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ enum: SCHEDULE_CATCH_UP, default: 'once' })
  @IsOmittable()
  @IsIn(SCHEDULE_CATCH_UP)
  catchUp?: api.ScheduleCatchUp;

  @ApiPropertyOptional({ enum: SCHEDULE_OFFLINE_POLICIES, default: 'run_when_back' })
  @IsOmittable()
  @IsIn(SCHEDULE_OFFLINE_POLICIES)
  offlinePolicy?: api.ScheduleOfflinePolicy;

  @ApiPropertyOptional({
    minimum: SCHEDULE_LIMITS.spreadMinutes.min,
    maximum: SCHEDULE_LIMITS.spreadMinutes.max,
    default: 0,
    description: 'Each device waits a random 0..spreadMinutes before its run starts',
  })
  @IsOmittable()
  @IsInt()
  @Min(SCHEDULE_LIMITS.spreadMinutes.min)
  @Max(SCHEDULE_LIMITS.spreadMinutes.max)
  spreadMinutes?: number;
}

export class UpdateScheduleDto implements api.UpdateScheduleRequest {
  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(SCHEDULE_LIMITS.nameLength)
  name?: string;

  @ApiPropertyOptional({ type: CreateJobDto })
  @IsOmittable()
  @IsNestedObject(() => CreateJobDto)
  job?: CreateJobDto;

  @ApiPropertyOptional({ description: 'Replaces runAt when given' })
  @IsOmittable()
  @IsCron()
  cron?: string;

  @ApiPropertyOptional({ description: 'Replaces cron when given' })
  @IsOmittable()
  @IsLocalDateTime()
  runAt?: string;

  @ApiPropertyOptional({ enum: SCHEDULE_ZONE_MODES })
  @IsOmittable()
  @IsIn(SCHEDULE_ZONE_MODES)
  zoneMode?: api.ScheduleZoneMode;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({ enum: SCHEDULE_CATCH_UP })
  @IsOmittable()
  @IsIn(SCHEDULE_CATCH_UP)
  catchUp?: api.ScheduleCatchUp;

  @ApiPropertyOptional({ enum: SCHEDULE_OFFLINE_POLICIES })
  @IsOmittable()
  @IsIn(SCHEDULE_OFFLINE_POLICIES)
  offlinePolicy?: api.ScheduleOfflinePolicy;

  @ApiPropertyOptional({
    minimum: SCHEDULE_LIMITS.spreadMinutes.min,
    maximum: SCHEDULE_LIMITS.spreadMinutes.max,
    default: 0,
    description: 'Each device waits a random 0..spreadMinutes before its run starts',
  })
  @IsOmittable()
  @IsInt()
  @Min(SCHEDULE_LIMITS.spreadMinutes.min)
  @Max(SCHEDULE_LIMITS.spreadMinutes.max)
  spreadMinutes?: number;
}

export class PreviewQueryDto {
  @ApiPropertyOptional({
    minimum: SCHEDULE_LIMITS.previewCount.min,
    maximum: SCHEDULE_LIMITS.previewCount.max,
  })
  @IsOmittable()
  @IsIntQuery(SCHEDULE_LIMITS.previewCount.min, SCHEDULE_LIMITS.previewCount.max)
  count: number = SCHEDULE_LIMITS.previewCount.default;
}

/** An unsaved schedule's timing, for a form that shows the next occurrences as one types. */
export class PreviewWhenDto {
  @ApiPropertyOptional({ description: 'A cron expression; or give runAt' })
  @IsOmittable()
  @IsCron()
  cron?: string;

  @ApiPropertyOptional({ description: 'A one-off local time YYYY-MM-DDTHH:mm[:ss]' })
  @IsOmittable()
  @IsLocalDateTime()
  runAt?: string;

  @ApiProperty({ enum: SCHEDULE_ZONE_MODES })
  @IsIn(SCHEDULE_ZONE_MODES)
  zoneMode!: api.ScheduleZoneMode;

  @ApiPropertyOptional({ default: 'UTC' })
  @IsOmittable()
  @IsTimeZone()
  timeZone?: string;

  @ApiPropertyOptional({
    minimum: SCHEDULE_LIMITS.previewCount.min,
    maximum: SCHEDULE_LIMITS.previewCount.max,
  })
  @IsOmittable()
  @IsIntQuery(SCHEDULE_LIMITS.previewCount.min, SCHEDULE_LIMITS.previewCount.max)
  count: number = SCHEDULE_LIMITS.previewCount.default;
}
