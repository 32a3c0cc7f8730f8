import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ABSOLUTE_PATH, DEVICE_FILES_RULES as R } from '@fleetdesk/api-types';
import { IsIntQuery } from '../../common/validators';

export class ListFilesQueryDto {
  @ApiProperty({ description: 'Absolute path of the folder to list (/var/log, C:/ProgramData)' })
  @IsString()
  @MinLength(1)
  @MaxLength(R.pathLength)
  @Matches(ABSOLUTE_PATH, {
    message: 'path must be absolute (/var/log, C:/ProgramData)',
  })
  path!: string;

  @ApiPropertyOptional({
    minimum: R.maxEntries.min,
    maximum: R.maxEntries.max,
    default: R.maxEntries.default,
  })
  @IsIntQuery(R.maxEntries.min, R.maxEntries.max)
  maxEntries: number = R.maxEntries.default;
}
