import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { CurrentActor, Roles } from '../common/auth.decorators';
import type {
  DeviceRunResponse,
  JobResponse,
  Page,
  RunDetailResponse,
  RunResponse,
} from '@fleetdesk/api-types';
import {
  CreateJobDto,
  DeviceRunQueryDto,
  JobQueryDto,
  RerunDto,
  RunOutputQueryDto,
  RunQueryDto,
} from './dto/job.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateJobDto): Promise<JobResponse> {
    return this.jobs.create(actor, dto);
  }

  @Get()
  list(@Query() q: JobQueryDto): Promise<Page<JobResponse>> {
    return this.jobs.list(q);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<JobResponse> {
    return this.jobs.get(id);
  }

  @Get(':id/runs')
  runs(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: RunQueryDto,
  ): Promise<Page<RunResponse>> {
    return this.jobs.runs(id, q);
  }

  @Post(':id/cancel')
  @Roles('technician')
  @HttpCode(200)
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<JobResponse> {
    return this.jobs.cancel(actor, id);
  }

  @Post(':id/rerun')
  @Roles('technician')
  rerun(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RerunDto,
  ): Promise<JobResponse> {
    return this.jobs.rerun(actor, id, dto.scope);
  }
}

@ApiTags('jobs')
@Controller('runs')
export class RunsController {
  constructor(private readonly jobs: JobsService) {}

  /** One device's runs across every job, newest first. */
  @Get()
  list(@Query() q: DeviceRunQueryDto): Promise<Page<DeviceRunResponse>> {
    return this.jobs.deviceRuns(q);
  }

  @Get(':id')
  get(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: RunOutputQueryDto,
  ): Promise<RunDetailResponse> {
    return this.jobs.run(id, q.afterSeq);
  }
}
