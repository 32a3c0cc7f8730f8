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
import { DispatcherService } from './dispatcher.service';
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
  constructor(
    private readonly jobs: JobsService,
    private readonly dispatcher: DispatcherService,
  ) {}

  @Post()
  @Roles('technician')
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateJobDto): Promise<JobResponse> {
    const job = await this.jobs.create(actor, dto);
    this.dispatcher.kick();
    return job;
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
  async cancel(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<JobResponse> {
    const { job, inFlight } = await this.jobs.cancel(actor, id);
    this.dispatcher.cancelRuns(inFlight);
    return job;
  }

  @Post(':id/rerun')
  @Roles('technician')
  async rerun(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RerunDto,
  ): Promise<JobResponse> {
    const job = await this.jobs.rerun(actor, id, dto.scope);
    this.dispatcher.kick();
    return job;
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
