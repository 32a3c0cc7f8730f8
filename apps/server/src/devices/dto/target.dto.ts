import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsString, IsUUID, MaxLength } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { IsOmittable, IsTagList } from '../../common/validators';

/**
 * A set of devices named by ids, tags, groups and OS (their union), or every device with an
 * explicit `all: true`. Jobs and the bulk device routes take the same shape, resolved by
 * DevicesService.resolveTarget.
 */
export class JobTargetDto implements api.JobTarget {
  @ApiPropertyOptional({ description: 'Every enrolled, non-revoked device' })
  @IsOmittable()
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsUUID('all', { each: true })
  deviceIds?: string[];

  @ApiPropertyOptional({ type: [String], example: ['web', 'site:paris'] })
  @IsOmittable()
  @IsTagList()
  tags?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'OS platforms, e.g. linux, darwin, win32' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  os?: string[];
}

/** True when a target names nothing: never read as "every device", which needs `all: true`. */
export function isEmptyTarget(t: api.JobTarget): boolean {
  return !(t.all || t.deviceIds?.length || t.tags?.length || t.groupIds?.length || t.os?.length);
}

/**
 * A target as an audit event keeps it: what was asked, with long id lists cut to a sample
 * and a count, so a 5,000-device action stays one small row.
 */
export function describeTarget(t: api.JobTarget): Record<string, unknown> {
  const { deviceIds, ...rest } = t;
  if (!deviceIds?.length) return { ...rest };
  return deviceIds.length <= 20
    ? { ...rest, deviceIds }
    : { ...rest, deviceIds: deviceIds.slice(0, 20), deviceIdCount: deviceIds.length };
}
