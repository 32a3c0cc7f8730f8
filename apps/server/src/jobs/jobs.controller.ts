import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
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
import * as dto from './dto/job-response.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @ApiRoute('Start a job: run a script or command on the targeted devices', {
    status: 201,
    type: dto.JobResponse,
    errors: [404, 409],
  })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateJobDto): Promise<JobResponse> {
    return this.jobs.create(actor, dto);
  }

  @ApiRoute('List jobs, newest first', { type: PageOf(dto.JobResponse) })
  @Get()
  list(@Query() q: JobQueryDto): Promise<Page<JobResponse>> {
    return this.jobs.list(q);
  }

  @ApiRoute('A job with its run counts', { type: dto.JobResponse })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<JobResponse> {
    return this.jobs.get(id);
  }

  @ApiRoute("List a job's runs, by device name", { type: PageOf(dto.RunResponse) })
  @Get(':id/runs')
  runs(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: RunQueryDto,
  ): Promise<Page<RunResponse>> {
    return this.jobs.runs(id, q);
  }

  @ApiRoute("Cancel a job's open runs", { type: dto.JobResponse, errors: [409] })
  @Post(':id/cancel')
  @Roles('technician')
  @HttpCode(200)
  cancel(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<JobResponse> {
    return this.jobs.cancel(actor, id);
  }

  @ApiRoute("Re-run a job's failed runs, or all of them, as a new job", {
    status: 201,
    type: dto.JobResponse,
    errors: [409],
  })
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
  @ApiRoute("List one device's runs across every job, newest first", {
    type: PageOf(dto.DeviceRunResponse),
  })
  @Get()
  list(@Query() q: DeviceRunQueryDto): Promise<Page<DeviceRunResponse>> {
    return this.jobs.deviceRuns(q);
  }

  @ApiRoute('A run with its output after `afterSeq`', { type: dto.RunDetailResponse })
  @Get(':id')
  get(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: RunOutputQueryDto,
  ): Promise<RunDetailResponse> {
    return this.jobs.run(id, q.afterSeq);
  }
}
