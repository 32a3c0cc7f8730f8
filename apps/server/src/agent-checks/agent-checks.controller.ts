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
import type { AgentCheckResponse, AgentCheckStateResponse, Page } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import { AgentChecksService } from './agent-checks.service';
import * as dto from './dto/agent-check-response.dto';
import { CreateAgentCheckDto, UpdateAgentCheckDto } from './dto/agent-check.dto';

/** Checks the agents run (disk, CPU, memory, services, processes, ping, TCP, scripts). */
@ApiTags('agent-checks')
@Controller('agent-checks')
export class AgentChecksController {
  constructor(private readonly checks: AgentChecksService) {}

  @ApiRoute('Create an agent check; it reaches the targeted agents at once', {
    status: 201,
    type: dto.AgentCheckResponse,
    errors: [400],
  })
  @Post()
  @Roles('technician')
  create(
    @CurrentActor() actor: Actor,
    @Body() body: CreateAgentCheckDto,
  ): Promise<AgentCheckResponse> {
    return this.checks.create(actor, body);
  }

  @ApiRoute('List agent checks, newest first', { type: PageOf(dto.AgentCheckResponse) })
  @Get()
  list(@Query() q: PageQueryDto): Promise<Page<AgentCheckResponse>> {
    return this.checks.list(q);
  }

  @ApiRoute('An agent check', { type: dto.AgentCheckResponse, errors: [404] })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AgentCheckResponse> {
    return this.checks.get(id);
  }

  @ApiRoute('Change an agent check', { type: dto.AgentCheckResponse, errors: [400, 404] })
  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateAgentCheckDto,
  ): Promise<AgentCheckResponse> {
    return this.checks.update(actor, id, body);
  }

  @ApiRoute('Delete an agent check; its open alerts resolve', { status: 204, errors: [404] })
  @Delete(':id')
  @Roles('technician')
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.checks.remove(actor, id);
  }

  @ApiRoute('The check’s last state on each device, unhealthy first', {
    type: PageOf(dto.AgentCheckStateResponse),
    errors: [404],
  })
  @Get(':id/states')
  states(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<AgentCheckStateResponse>> {
    return this.checks.states(id, q);
  }
}

/** A device's check states, beside its other per-device routes. */
@ApiTags('agent-checks')
@Controller('devices')
export class DeviceCheckStatesController {
  constructor(private readonly checks: AgentChecksService) {}

  @ApiRoute('Every agent check’s last state on this device', {
    type: PageOf(dto.AgentCheckStateResponse),
  })
  @Get(':id/check-states')
  states(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<AgentCheckStateResponse>> {
    return this.checks.deviceStates(id, q);
  }
}
