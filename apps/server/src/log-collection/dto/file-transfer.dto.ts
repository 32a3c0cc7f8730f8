import { ApiProperty, ApiPropertyOptional, OmitType } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { ABSOLUTE_PATH, FILE_TRANSFER_RULES as R } from '@fleetdesk/api-types';
import { IsOmittable } from '../../common/validators';
import { CreateJobDto } from '../../jobs/dto/job.dto';

const ABSOLUTE_MESSAGE = 'path must be absolute (/etc/app.conf, C:/App/app.conf)';

class TransferJobDto extends OmitType(CreateJobDto, [
  'script',
  'command',
  'software',
  'timeoutSeconds',
] as const) {
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

export class FetchFileDto extends TransferJobDto implements api.FetchFileRequest {
  @ApiProperty({ description: 'Absolute path of a file, or of a folder (sent as a .tar)' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  @Matches(ABSOLUTE_PATH, { message: ABSOLUTE_MESSAGE })
  path!: string;

  @ApiPropertyOptional({
    minimum: R.fetchMaxBytes.min,
    maximum: R.fetchMaxBytes.max,
    default: R.fetchMaxBytes.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(R.fetchMaxBytes.min)
  @Max(R.fetchMaxBytes.max)
  maxBytes?: number;
}

export class PushFileDto extends TransferJobDto implements api.PushFileRequest {
  @ApiProperty({ format: 'uuid', description: 'From POST /api/file-transfers/uploads' })
  @IsUUID()
  uploadId!: string;

  @ApiProperty({ description: 'Absolute destination path; its folder must exist' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  @Matches(ABSOLUTE_PATH, { message: ABSOLUTE_MESSAGE })
  path!: string;

  @ApiPropertyOptional({ description: 'Octal permission bits, e.g. 0644' })
  @IsOmittable()
  @IsString()
  @Matches(R.mode, { message: 'mode must be octal permission bits such as 0644' })
  mode?: string;

  @ApiPropertyOptional({ description: 'A user name or numeric uid (POSIX)' })
  @IsOmittable()
  @IsString()
  @MaxLength(R.principalLength)
  @Matches(R.principal, { message: 'owner must be a user name or a numeric id' })
  owner?: string;

  @ApiPropertyOptional({ description: 'A group name or numeric gid (POSIX)' })
  @IsOmittable()
  @IsString()
  @MaxLength(R.principalLength)
  @Matches(R.principal, { message: 'group must be a group name or a numeric id' })
  group?: string;

  @ApiPropertyOptional({ default: false, description: 'Replace an existing file' })
  @IsOmittable()
  @IsBoolean()
  overwrite?: boolean;
}

export class FileUploadQueryDto {
  @ApiProperty({ description: 'The file name, shown in lists and audit' })
  @IsString()
  @MinLength(1)
  @MaxLength(R.uploadNameLength)
  name!: string;
}
