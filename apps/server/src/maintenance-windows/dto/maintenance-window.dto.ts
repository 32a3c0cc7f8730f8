import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  MAINTENANCE_WINDOW_LIMITS,
  SCHEDULE_ZONE_MODES,
  WALL_TIME_PATTERN,
  WEEKDAYS,
} from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable, IsTagList, Trim } from '../../common/validators';
import { IsTimeZone } from '../../schedules/dto/schedule.dto';

const timeMessage = { message: '$property must be a 24-hour time like 02:00' };

export class MaintenanceWindowTargetDto implements api.MaintenanceWindowTarget {
  @IsOmittable()
  @IsTagList(MAINTENANCE_WINDOW_LIMITS.targets)
  tags?: string[];

  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAINTENANCE_WINDOW_LIMITS.targets)
  @IsUUID('all', { each: true })
  groupIds?: string[];
}

export class CreateMaintenanceWindowDto implements api.CreateMaintenanceWindowRequest {
  @ApiProperty()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(MAINTENANCE_WINDOW_LIMITS.nameLength)
  name!: string;

  @ApiProperty({ type: MaintenanceWindowTargetDto, description: 'Tags and/or groups it covers' })
  @IsNestedObject(() => MaintenanceWindowTargetDto)
  target!: MaintenanceWindowTargetDto;

  @ApiProperty({ type: [Number], description: '0 Sunday … 6 Saturday', example: [0] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsInt({ each: true })
  @IsIn(WEEKDAYS, { each: true, message: 'days must hold numbers 0 (Sunday) to 6 (Saturday)' })
  days!: api.Weekday[];

  @ApiProperty({ example: '02:00' })
  @IsString()
  @Matches(WALL_TIME_PATTERN, timeMessage)
  start!: string;

  @ApiProperty({ example: '04:00', description: 'At or before start: the next day' })
  @IsString()
  @Matches(WALL_TIME_PATTERN, timeMessage)
  end!: string;

  @ApiProperty({ enum: SCHEDULE_ZONE_MODES })
  @IsIn(SCHEDULE_ZONE_MODES)
  zoneMode!: api.ScheduleZoneMode;

  @ApiPropertyOptional({ default: 'UTC', description: 'Fixed zone, or the fallback zone' })
  @IsOmittable()
  @IsTimeZone()
  timeZone?: string;
}

export class UpdateMaintenanceWindowDto implements api.UpdateMaintenanceWindowRequest {
  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(MAINTENANCE_WINDOW_LIMITS.nameLength)
  name?: string;

  @ApiPropertyOptional({ type: MaintenanceWindowTargetDto })
  @IsOmittable()
  @IsNestedObject(() => MaintenanceWindowTargetDto)
  target?: MaintenanceWindowTargetDto;

  @ApiPropertyOptional({ type: [Number] })
  @IsOmittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(7)
  @IsInt({ each: true })
  @IsIn(WEEKDAYS, { each: true, message: 'days must hold numbers 0 (Sunday) to 6 (Saturday)' })
  days?: api.Weekday[];

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Matches(WALL_TIME_PATTERN, timeMessage)
  start?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @Matches(WALL_TIME_PATTERN, timeMessage)
  end?: string;

  @ApiPropertyOptional({ enum: SCHEDULE_ZONE_MODES })
  @IsOmittable()
  @IsIn(SCHEDULE_ZONE_MODES)
  zoneMode?: api.ScheduleZoneMode;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsTimeZone()
  timeZone?: string;
}

export class ActiveWindowsQueryDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  deviceId!: string;
}

export class MaintenanceWindowResponse implements api.MaintenanceWindowResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: MaintenanceWindowTargetDto }) target!: MaintenanceWindowTargetDto;
  @ApiProperty({ type: [Number] }) days!: api.Weekday[];
  @ApiProperty() start!: string;
  @ApiProperty() end!: string;
  @ApiProperty({ type: 'integer' }) durationMinutes!: number;
  @ApiProperty({ enum: SCHEDULE_ZONE_MODES }) zoneMode!: api.ScheduleZoneMode;
  @ApiProperty() timeZone!: string;
  @ApiProperty() createdBy!: { id: string | null; email: string | null };
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ActiveWindowResponse implements api.ActiveWindow {
  @ApiProperty({ format: 'uuid' }) windowId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() from!: string;
  @ApiProperty() until!: string;
}
