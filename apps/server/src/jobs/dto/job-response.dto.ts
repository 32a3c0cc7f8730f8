import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import {
  INSTALLER_TYPES,
  JOB_STATUSES,
  OUTPUT_STREAMS,
  PACKAGE_MANAGERS,
  RUN_STATES,
  SCRIPT_LANGUAGES,
  SOFTWARE_OPERATIONS,
} from '@fleetdesk/api-types';
import { JobTargetDto } from '../../devices/dto/target.dto';

// Response shapes of the jobs and runs routes, for the OpenAPI document. Each class implements
// its libs/api-types interface, so the document cannot drift from what the console reads.

const nullableString = { type: String, nullable: true } as const;
const nullableInt = { type: 'integer', nullable: true } as const;

export class JobScriptRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ type: 'integer' }) version!: number;
}

export class JobActionPackageDto implements api.SoftwarePackageRef {
  @ApiProperty({ enum: PACKAGE_MANAGERS, enumName: 'PackageManager' }) manager!: api.PackageManager;
  @ApiProperty() name!: string;
  @ApiPropertyOptional() version?: string;
}

export class JobActionInstallerDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: INSTALLER_TYPES, enumName: 'InstallerType' }) type!: api.InstallerType;
  @ApiProperty() sha256!: string;
  @ApiProperty({ type: 'integer' }) size!: number;
}

export class JobActionDto implements api.JobAction {
  @ApiProperty({
    enum: ['agent_update', 'software', 'collect_logs', 'fetch_file', 'push_file', 'search_logs'],
  })
  kind!: api.JobAction['kind'];
  @ApiPropertyOptional({ description: 'agent_update: the agent version it installs' })
  version?: string;
  @ApiPropertyOptional({ enum: SOFTWARE_OPERATIONS, enumName: 'SoftwareOperation' })
  operation?: api.SoftwareOperation;
  @ApiPropertyOptional({ type: [JobActionPackageDto] }) packages?: JobActionPackageDto[];
  @ApiPropertyOptional() securityOnly?: boolean;
  @ApiPropertyOptional({ type: JobActionInstallerDto }) installer?: JobActionInstallerDto;
  @ApiPropertyOptional({ type: 'integer', description: 'collect_logs: how many sources' })
  sources?: number;
  @ApiPropertyOptional({ description: 'fetch_file / push_file: the path on the device' })
  path?: string;
  @ApiPropertyOptional({ description: 'search_logs: the text or pattern searched for' })
  pattern?: string;
  @ApiPropertyOptional({ enum: ['substring', 'regex'], description: 'search_logs: how' })
  patternMode?: 'substring' | 'regex';
  @ApiPropertyOptional({ description: 'search_logs: whether case was ignored' })
  ignoreCase?: boolean;
}

export class SoftwareRunDetailDto implements api.SoftwareRunDetail {
  @ApiProperty({ enum: SOFTWARE_OPERATIONS, enumName: 'SoftwareOperation' })
  operation!: api.SoftwareOperation;
  @ApiProperty({ type: String, enum: PACKAGE_MANAGERS, nullable: true })
  manager!: api.PackageManager | null;
  @ApiProperty(nullableString) package!: string | null;
  @ApiProperty(nullableString) versionBefore!: string | null;
  @ApiProperty(nullableString) versionAfter!: string | null;
  @ApiProperty({ type: Boolean, nullable: true }) rebootRequired!: boolean | null;
  @ApiProperty() nothingToDo!: boolean;
  @ApiPropertyOptional({ type: 'integer' }) pendingUpdates?: number;
  @ApiPropertyOptional() installerSha256?: string;
}

export class JobCreatorDto {
  @ApiProperty({ ...nullableString, format: 'uuid' }) id!: string | null;
  @ApiProperty(nullableString) email!: string | null;
}

/** How many of a job's runs are in each state, plus `total`. */
export class RunCountsDto implements api.RunCounts {
  @ApiProperty({ type: 'integer' }) pending!: number;
  @ApiProperty({ type: 'integer' }) dispatched!: number;
  @ApiProperty({ type: 'integer' }) running!: number;
  @ApiProperty({ type: 'integer' }) succeeded!: number;
  @ApiProperty({ type: 'integer' }) failed!: number;
  @ApiProperty({ type: 'integer' }) timed_out!: number;
  @ApiProperty({ type: 'integer' }) expired!: number;
  @ApiProperty({ type: 'integer' }) cancelled!: number;
  @ApiProperty({ type: 'integer' }) lost!: number;
  @ApiProperty({ type: 'integer' }) total!: number;
}

export class JobResponse implements api.JobResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: JOB_STATUSES, enumName: 'JobStatus' }) status!: api.JobStatus;
  @ApiProperty({
    type: JobScriptRefDto,
    nullable: true,
    description: 'The saved script and version it ran; null for an inline command',
  })
  script!: JobScriptRefDto | null;
  @ApiProperty({
    type: String,
    enum: SCRIPT_LANGUAGES,
    nullable: true,
    description: 'null for a job that carries a typed action',
  })
  language!: api.ScriptLanguage | null;
  @ApiProperty({
    type: JobActionDto,
    nullable: true,
    description: 'The typed action the job carries instead of a script',
  })
  action!: api.JobAction | null;
  @ApiProperty() bodySha256!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The effective parameter values, secret ones replaced by "[secret]"',
  })
  params!: Record<string, unknown>;
  @ApiProperty({ type: JobTargetDto }) target!: JobTargetDto;
  @ApiProperty({ type: 'integer' }) timeoutSeconds!: number;
  @ApiProperty({ type: 'integer' }) offlineExpirySeconds!: number;
  @ApiProperty(nullableInt) maxConcurrency!: number | null;
  @ApiProperty(nullableInt) failureThresholdPercent!: number | null;
  @ApiProperty({ ...nullableString, format: 'uuid', description: 'The job this one re-ran' })
  rerunOf!: string | null;
  @ApiProperty({ type: JobCreatorDto }) createdBy!: JobCreatorDto;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ ...nullableString, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty({ ...nullableString, description: 'Why the job ended early' })
  stopReason!: string | null;
  @ApiProperty({ type: RunCountsDto }) counts!: RunCountsDto;
}

export class RunDeviceDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty() displayName!: string;
}

/** One device's run, without its output. */
export class RunResponse implements api.RunResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) jobId!: string;
  @ApiProperty({ type: RunDeviceDto }) device!: RunDeviceDto;
  @ApiProperty({ enum: RUN_STATES, enumName: 'RunState' }) status!: api.RunState;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'When a run still pending expires' })
  expiresAt!: string;
  @ApiProperty({ ...nullableString, format: 'date-time' }) dispatchedAt!: string | null;
  @ApiProperty({ ...nullableString, format: 'date-time' }) startedAt!: string | null;
  @ApiProperty({ ...nullableString, format: 'date-time' }) finishedAt!: string | null;
  @ApiProperty(nullableInt) exitCode!: number | null;
  @ApiProperty(nullableString) signal!: string | null;
  @ApiProperty(nullableString) error!: string | null;
  @ApiProperty({ type: 'integer' }) outputBytes!: number;
  @ApiProperty({ description: 'The agent stopped sending output at its size limit' })
  truncated!: boolean;
  @ApiProperty({
    type: 'integer',
    description: 'The highest output seq the agent reported; -1 before a result or without output',
  })
  lastSeq!: number;
  @ApiProperty({
    type: SoftwareRunDetailDto,
    nullable: true,
    description: "A software run's versions before and after and reboot state",
  })
  software!: SoftwareRunDetailDto | null;
}

export class RunOutputChunkDto implements api.RunOutputChunk {
  @ApiProperty({ type: 'integer' }) seq!: number;
  @ApiProperty({ enum: OUTPUT_STREAMS, enumName: 'OutputStream' }) stream!: api.OutputStream;
  @ApiProperty() data!: string;
}

/** `GET /api/runs/:id`: the run plus its output chunks after `afterSeq`, in order. */
export class RunDetailResponse extends RunResponse implements api.RunDetailResponse {
  @ApiProperty({ type: [RunOutputChunkDto] }) output!: RunOutputChunkDto[];
}

export class RunJobRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

/** One run in a device's history, with the job it belongs to. */
export class DeviceRunResponse extends RunResponse implements api.DeviceRunResponse {
  @ApiProperty({ type: RunJobRefDto }) job!: RunJobRefDto;
}
