import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type {
  Page,
  ScheduleHistoryItem,
  SchedulePreviewResponse,
  ScheduleResponse,
} from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import {
  CreateScheduleDto,
  PreviewQueryDto,
  PreviewWhenDto,
  UpdateScheduleDto,
} from './dto/schedule.dto';
import * as dto from './dto/schedule-response.dto';
import { SchedulesService } from './schedules.service';

@ApiTags('schedules')
@Controller('schedules')
export class SchedulesController {
  constructor(private readonly schedules: SchedulesService) {}

  @ApiRoute('Create a schedule: a job template and when it fires', {
    status: 201,
    type: dto.ScheduleResponse,
    errors: [400, 404],
  })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateScheduleDto): Promise<ScheduleResponse> {
    return this.schedules.create(actor, dto);
  }

  @ApiRoute('The next occurrences of a timing not saved yet', {
    type: dto.SchedulePreviewResponse,
    errors: [400],
  })
  @Post('preview')
  // A read-only computation: a POST only because the timing travels in a body, so the
  // default for a POST (admin) would hide the form's preview from technicians.
  @Roles('viewer')
  @HttpCode(200)
  previewWhen(@Body() body: PreviewWhenDto): Promise<SchedulePreviewResponse> {
    return this.schedules.previewWhen(body);
  }

  @ApiRoute('List schedules, newest first', { type: PageOf(dto.ScheduleResponse) })
  @Get()
  list(@Query() q: PageQueryDto): Promise<Page<ScheduleResponse>> {
    return this.schedules.list(q);
  }

  @ApiRoute('A schedule', { type: dto.ScheduleResponse })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ScheduleResponse> {
    return this.schedules.get(id);
  }

  @ApiRoute('Change a schedule', { type: dto.ScheduleResponse, errors: [400, 404] })
  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateScheduleDto,
  ): Promise<ScheduleResponse> {
    return this.schedules.update(actor, id, dto);
  }

  @ApiRoute('Pause a schedule: nothing fires until it is resumed', {
    type: dto.ScheduleResponse,
  })
  @Post(':id/pause')
  @Roles('technician')
  @HttpCode(200)
  pause(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ScheduleResponse> {
    return this.schedules.setPaused(actor, id, true);
  }

  @ApiRoute('Resume a schedule from its next occurrence (what fell due while paused is not run)', {
    type: dto.ScheduleResponse,
  })
  @Post(':id/resume')
  @Roles('technician')
  @HttpCode(200)
  resume(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<ScheduleResponse> {
    return this.schedules.setPaused(actor, id, false);
  }

  @ApiRoute('Delete a schedule (the jobs it created stay)', { status: 204 })
  @Delete(':id')
  @Roles('technician')
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.schedules.remove(actor, id);
  }

  @ApiRoute('The next occurrences, in every zone the schedule fires in', {
    type: dto.SchedulePreviewResponse,
  })
  @Get(':id/preview')
  preview(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: PreviewQueryDto,
  ): Promise<SchedulePreviewResponse> {
    return this.schedules.preview(id, q.count);
  }

  @ApiRoute('The occurrences handled so far, newest first, with their jobs and outcomes', {
    type: PageOf(dto.ScheduleHistoryItem),
  })
  @Get(':id/history')
  history(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<ScheduleHistoryItem>> {
    return this.schedules.history(id, q);
  }
}
