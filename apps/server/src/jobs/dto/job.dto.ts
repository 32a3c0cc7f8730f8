import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsByteLength,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  JOB_LIMITS,
  JOB_STATUSES,
  PACKAGE_MANAGERS,
  PACKAGE_NAME_MAX_LENGTH,
  PACKAGE_VERSION_MAX_LENGTH,
  RUN_STATES,
  SCRIPT_LANGUAGES,
  SOFTWARE_OPERATIONS,
  versionChoiceSummary,
} from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { INT32_MAX, IsIntQuery, IsNestedObject, IsOmittable, Trim } from '../../common/validators';
import { JobTargetDto } from '../../devices/dto/target.dto';

export class JobScriptDto implements api.JobScriptSpec {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;

  @ApiPropertyOptional({ description: 'Defaults to the current version' })
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(INT32_MAX)
  version?: number;

  @ApiPropertyOptional({ type: Object })
  @IsOmittable()
  @IsObject()
  params?: Record<string, unknown>;
}

export class JobCommandDto implements api.JobCommandSpec {
  @ApiProperty({ enum: SCRIPT_LANGUAGES })
  @IsIn(SCRIPT_LANGUAGES)
  language!: api.ScriptLanguage;

  @ApiProperty({ description: `At most ${JOB_LIMITS.commandBytes} bytes of UTF-8` })
  @IsString()
  @IsByteLength(1, JOB_LIMITS.commandBytes, {
    message: `command.body must be 1 to ${JOB_LIMITS.commandBytes} bytes of UTF-8`,
  })
  body!: string;
}

export class JobSoftwarePackageDto {
  @ApiProperty({ enum: PACKAGE_MANAGERS })
  @IsIn(PACKAGE_MANAGERS)
  manager!: api.PackageManager;

  @ApiProperty({
    description: 'A package name valid for the manager (checked, never a shell string)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(PACKAGE_NAME_MAX_LENGTH)
  name!: string;
}

export class JobSoftwareDto implements api.JobSoftwareSpec {
  @ApiProperty({ enum: SOFTWARE_OPERATIONS })
  @IsIn(SOFTWARE_OPERATIONS)
  operation!: api.SoftwareOperation;

  @ApiPropertyOptional({ format: 'uuid', description: 'A catalogue title' })
  @IsOmittable()
  @IsUUID()
  titleId?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'An uploaded installer (install only)' })
  @IsOmittable()
  @IsUUID()
  installerId?: string;

  @ApiPropertyOptional({ type: JobSoftwarePackageDto, description: 'One package, no title' })
  @IsOmittable()
  @IsNestedObject(() => JobSoftwarePackageDto)
  package?: JobSoftwarePackageDto;

  @ApiPropertyOptional({
    description:
      'The version to install, upgrade to or uninstall (overrides the title pins, which are for ' +
      `install only). Only where the manager can choose one for the operation: ${versionChoiceSummary()}`,
  })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(PACKAGE_VERSION_MAX_LENGTH)
  version?: string;

  @ApiPropertyOptional({ description: 'apply_updates: security updates only' })
  @IsOmittable()
  @IsBoolean()
  securityOnly?: boolean;
}

export class CreateJobDto implements api.CreateJobRequest {
  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(JOB_LIMITS.nameLength)
  name?: string;

  @ApiPropertyOptional({ type: JobScriptDto, description: 'A saved script; or give `command`' })
  @IsOmittable()
  @IsNestedObject(() => JobScriptDto)
  script?: JobScriptDto;

  @ApiPropertyOptional({
    type: JobCommandDto,
    description: 'An inline one-off command; or give `script`',
  })
  @IsOmittable()
  @IsNestedObject(() => JobCommandDto)
  command?: JobCommandDto;

  @ApiPropertyOptional({
    type: JobSoftwareDto,
    description: 'Install, uninstall, upgrade or apply updates; or give `script` or `command`',
  })
  @IsOmittable()
  @IsNestedObject(() => JobSoftwareDto)
  software?: JobSoftwareDto;

  @ApiProperty({ type: JobTargetDto })
  @IsNestedObject(() => JobTargetDto)
  target!: JobTargetDto;

  @ApiPropertyOptional({
    minimum: JOB_LIMITS.timeoutSeconds.min,
    maximum: JOB_LIMITS.timeoutSeconds.max,
  })
  @IsOmittable()
  @IsInt()
  @Min(JOB_LIMITS.timeoutSeconds.min)
  @Max(JOB_LIMITS.timeoutSeconds.max)
  timeoutSeconds?: number;

  @ApiPropertyOptional({
    minimum: JOB_LIMITS.offlineExpirySeconds.min,
    maximum: JOB_LIMITS.offlineExpirySeconds.max,
    default: JOB_LIMITS.offlineExpirySeconds.default,
    description: 'How long a run waits for an offline device',
  })
  @IsOmittable()
  @IsInt()
  @Min(JOB_LIMITS.offlineExpirySeconds.min)
  @Max(JOB_LIMITS.offlineExpirySeconds.max)
  offlineExpirySeconds: number = JOB_LIMITS.offlineExpirySeconds.default;

  @ApiPropertyOptional({ minimum: 1, description: 'At most this many devices at once' })
  @IsOmittable()
  @IsInt()
  @Min(JOB_LIMITS.maxConcurrency.min)
  @Max(JOB_LIMITS.maxConcurrency.max)
  maxConcurrency?: number;

  @ApiPropertyOptional({
    minimum: JOB_LIMITS.failureThresholdPercent.min,
    maximum: JOB_LIMITS.failureThresholdPercent.max,
    description: 'Stop the job when more than this % of finished runs failed',
  })
  @IsOmittable()
  @IsInt()
  @Min(JOB_LIMITS.failureThresholdPercent.min)
  @Max(JOB_LIMITS.failureThresholdPercent.max)
  failureThresholdPercent?: number;
}

export class RerunDto implements api.RerunRequest {
  @ApiProperty({ enum: ['failed', 'all'] })
  @IsIn(['failed', 'all'])
  scope!: 'failed' | 'all';
}

export class JobQueryDto extends PageQueryDto implements api.JobListQuery {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOmittable()
  @IsIn(JOB_STATUSES)
  status?: api.JobStatus;
}

export class RunQueryDto extends PageQueryDto implements api.RunListQuery {
  @ApiPropertyOptional({ enum: RUN_STATES })
  @IsOmittable()
  @IsIn(RUN_STATES)
  status?: api.RunState;
}

export class DeviceRunQueryDto extends PageQueryDto implements api.DeviceRunListQuery {
  @ApiProperty({ format: 'uuid', description: 'The device whose runs to list' })
  @IsUUID('all', { message: 'deviceId is required and must be a device id (a UUID)' })
  deviceId!: string;

  @ApiPropertyOptional({ enum: RUN_STATES })
  @IsOmittable()
  @IsIn(RUN_STATES)
  status?: api.RunState;
}

export class RunOutputQueryDto implements api.RunOutputQuery {
  @ApiPropertyOptional({
    description: 'Only chunks after this sequence number (for a live tail)',
    minimum: -1,
    maximum: INT32_MAX,
  })
  @IsOmittable()
  @IsIntQuery(-1)
  afterSeq: number = -1;
}
