import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import type { AuditListQuery } from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { IsTimestampQuery } from '../../common/validators';

/** `since` and `until` arrive as ISO strings and are parsed into dates here. */
export class AuditQueryDto extends PageQueryDto implements Omit<AuditListQuery, 'since' | 'until'> {
  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({ description: 'Exact action, or a prefix ending in ".*" (e.g. "users.*")' })
  @IsOptional()
  @Matches(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/, {
    message: 'action must look like "users.create" or "users.*"',
  })
  @MaxLength(64)
  action?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(32)
  targetType?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  targetId?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsTimestampQuery('since')
  since?: Date;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional()
  @IsTimestampQuery('until')
  until?: Date;
}
