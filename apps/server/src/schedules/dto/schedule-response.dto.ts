import { ApiProperty } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import {
  JOB_STATUSES,
  OCCURRENCE_STATUSES,
  SCHEDULE_CATCH_UP,
  SCHEDULE_OFFLINE_POLICIES,
  SCHEDULE_ZONE_MODES,
} from '@fleetdesk/api-types';
import { JobCreatorDto, RunCountsDto } from '../../jobs/dto/job-response.dto';
import { CreateJobDto } from '../../jobs/dto/job.dto';

// Response shapes of the schedules routes, for the OpenAPI document; each implements its
// libs/api-types interface so the two cannot drift.

const nullableString = { type: String, nullable: true } as const;

export class ScheduleResponse implements api.ScheduleResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: CreateJobDto, description: 'The job template' }) job!: CreateJobDto;
  @ApiProperty(nullableString) cron!: string | null;
  @ApiProperty({ ...nullableString, description: 'One-off local time' }) runAt!: string | null;
  @ApiProperty({ enum: SCHEDULE_ZONE_MODES }) zoneMode!: api.ScheduleZoneMode;
  @ApiProperty() timeZone!: string;
  @ApiProperty({ enum: SCHEDULE_CATCH_UP }) catchUp!: api.ScheduleCatchUp;
  @ApiProperty({ enum: SCHEDULE_OFFLINE_POLICIES }) offlinePolicy!: api.ScheduleOfflinePolicy;
  @ApiProperty({ type: 'integer' }) spreadMinutes!: number;
  @ApiProperty() paused!: boolean;
  @ApiProperty(nullableString) nextDueAt!: string | null;
  @ApiProperty({ type: JobCreatorDto }) createdBy!: JobCreatorDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class ScheduleOccurrencePreview implements api.ScheduleOccurrencePreview {
  @ApiProperty() at!: string;
  @ApiProperty() zone!: string;
}

export class SchedulePreviewResponse implements api.SchedulePreviewResponse {
  @ApiProperty({ type: [String] }) zones!: string[];
  @ApiProperty({ type: [ScheduleOccurrencePreview] })
  occurrences!: ScheduleOccurrencePreview[];
}

export class ScheduleHistoryJob {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: api.JobStatus;
  @ApiProperty({ type: RunCountsDto }) counts!: RunCountsDto;
}

export class ScheduleHistoryItem implements api.ScheduleHistoryItem {
  @ApiProperty() occurrenceAt!: string;
  @ApiProperty() zone!: string;
  @ApiProperty({ enum: OCCURRENCE_STATUSES }) status!: api.OccurrenceStatus;
  @ApiProperty(nullableString) reason!: string | null;
  @ApiProperty({ type: 'integer' }) devices!: number;
  @ApiProperty() claimedAt!: string;
  @ApiProperty({ type: ScheduleHistoryJob, nullable: true }) job!: ScheduleHistoryJob | null;
}
