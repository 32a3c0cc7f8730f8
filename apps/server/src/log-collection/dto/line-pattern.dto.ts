import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsString, MaxLength, MinLength } from 'class-validator';
import { LOG_SOURCE_RULES } from '@fleetdesk/api-types';
import { IsOmittable } from '../../common/validators';

/**
 * A line pattern, as a collection's filter and a search's query both take it. Each adds its
 * own time budget; the regular expression itself is compiled by the service (logPatternProblem).
 */
export class LinePatternDto {
  @ApiProperty({ enum: ['substring', 'regex'] })
  @IsIn(['substring', 'regex'])
  mode!: 'substring' | 'regex';

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(LOG_SOURCE_RULES.patternLength)
  pattern!: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsBoolean()
  ignoreCase?: boolean;
}

/** Only lines stamped within: a collection, a fleet search, a search of stored bundles. */
export class TimeWindowDto {
  @ApiPropertyOptional({ description: 'ISO 8601: only lines stamped at or after' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'ISO 8601: only lines stamped at or before' })
  @IsOmittable()
  @IsISO8601({ strict: true })
  until?: string;
}
