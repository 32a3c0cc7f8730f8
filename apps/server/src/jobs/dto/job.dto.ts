import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { SCRIPT_LANGUAGES, type ScriptLanguage } from '@fleetdesk/protocol';
import { PageQueryDto } from '../../common/pagination';
import { IsTagList, Trim } from '../../common/validators';
import { RUN_STATES, type RunCounts, type RunState } from '../run-states';
import type { JobStatus, JobTarget } from '../job.entity';

export class JobTargetDto implements JobTarget {
  @ApiPropertyOptional({ description: 'Every enrolled, non-revoked device' })
  @IsOptional()
  @IsBoolean()
  all?: boolean;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100_000)
  @IsUUID('all', { each: true })
  deviceIds?: string[];

  @IsOptional()
  @IsTagList()
  tags?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @ApiPropertyOptional({ type: [String], description: 'OS platforms, e.g. linux, darwin, win32' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  os?: string[];
}

export class JobScriptDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id!: string;

  @ApiPropertyOptional({ description: 'Defaults to the current version' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @ApiPropertyOptional({ type: Object })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;
}

export class JobCommandDto {
  @ApiProperty({ enum: SCRIPT_LANGUAGES })
  @IsIn(SCRIPT_LANGUAGES)
  language!: ScriptLanguage;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(256 * 1024)
  body!: string;
}

export class CreateJobDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ type: JobScriptDto, description: 'A saved script; or give `command`' })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobScriptDto)
  script?: JobScriptDto;

  @ApiPropertyOptional({
    type: JobCommandDto,
    description: 'An inline one-off command; or give `script`',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => JobCommandDto)
  command?: JobCommandDto;

  @ApiProperty({ type: JobTargetDto })
  @ValidateNested()
  @Type(() => JobTargetDto)
  target!: JobTargetDto;

  @ApiPropertyOptional({ minimum: 1, maximum: 86400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86400)
  timeoutSeconds?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 2592000,
    default: 3600,
    description: 'How long a run waits for an offline device',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(30 * 86400)
  offlineExpirySeconds: number = 3600;

  @ApiPropertyOptional({ minimum: 1, description: 'At most this many devices at once' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  maxConcurrency?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    description: 'Stop the job when more than this % of finished runs failed',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100)
  failureThresholdPercent?: number;
}

export class RerunDto {
  @ApiProperty({ enum: ['failed', 'all'] })
  @IsIn(['failed', 'all'])
  scope!: 'failed' | 'all';
}

export class JobQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['running', 'completed', 'cancelled', 'stopped'] })
  @IsOptional()
  @IsIn(['running', 'completed', 'cancelled', 'stopped'])
  status?: JobStatus;
}

export class RunQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: RUN_STATES })
  @IsOptional()
  @IsIn(RUN_STATES)
  status?: RunState;
}

export class RunOutputQueryDto {
  @ApiPropertyOptional({ description: 'Only chunks after this sequence number (for a live tail)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(-1)
  afterSeq: number = -1;
}

export interface JobResponse {
  id: string;
  name: string;
  status: JobStatus;
  script: { id: string; version: number } | null;
  language: ScriptLanguage;
  bodySha256: string;
  params: Record<string, unknown>;
  target: JobTarget;
  timeoutSeconds: number;
  offlineExpirySeconds: number;
  maxConcurrency: number | null;
  failureThresholdPercent: number | null;
  rerunOf: string | null;
  createdBy: { id: string | null; email: string | null };
  createdAt: string;
  finishedAt: string | null;
  stopReason: string | null;
  counts: RunCounts;
}

export interface RunResponse {
  id: string;
  jobId: string;
  device: { id: string; hostname: string; displayName: string };
  status: RunState;
  createdAt: string;
  expiresAt: string;
  dispatchedAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  exitCode: number | null;
  signal: string | null;
  error: string | null;
  outputBytes: number;
  truncated: boolean;
  lastSeq: number;
}

export interface RunDetailResponse extends RunResponse {
  output: { seq: number; stream: 'stdout' | 'stderr'; data: string }[];
}
