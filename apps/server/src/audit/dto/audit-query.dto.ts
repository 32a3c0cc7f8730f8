import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import {
  AUDIT_ACTION_PATTERN,
  AUDIT_FILTER_LIMITS,
  type AuditListQuery,
} from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { IsOmittable, IsTimestampQuery } from '../../common/validators';

/** `since` and `until` arrive as ISO strings and are parsed into dates here. */
export class AuditQueryDto extends PageQueryDto implements Omit<AuditListQuery, 'since' | 'until'> {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ description: 'Exact action, or a prefix ending in ".*" (e.g. "users.*")' })
  @IsOmittable()
  @Matches(AUDIT_ACTION_PATTERN, {
    message: 'action must look like "users.create" or "users.*"',
  })
  @MaxLength(AUDIT_FILTER_LIMITS.actionLength)
  action?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(AUDIT_FILTER_LIMITS.targetTypeLength)
  targetType?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(AUDIT_FILTER_LIMITS.targetIdLength)
  targetId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOmittable()
  @IsTimestampQuery('since')
  since?: Date;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOmittable()
  @IsTimestampQuery('until')
  until?: Date;
}
