import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AgentReleaseResponse, JobResponse } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { JobResponse as JobResponseDto } from '../jobs/dto/job-response.dto';
import { AgentUpdatesService } from './agent-updates.service';
import { AgentReleaseResponse as AgentReleaseDto, CreateAgentUpdateDto } from './dto/agent-update.dto';

@ApiTags('agent-updates')
@Controller('agent-updates')
export class AgentUpdatesController {
  constructor(private readonly updates: AgentUpdatesService) {}

  @ApiRoute('The agent version this server offers, per platform', { type: AgentReleaseDto })
  @Get('release')
  release(): Promise<AgentReleaseResponse> {
    return this.updates.release();
  }

  @ApiRoute('Update the targeted agents to the offered version (a job; admins only)', {
    status: 201,
    type: JobResponseDto,
    errors: [409],
  })
  @Post()
  @Roles('admin')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateAgentUpdateDto): Promise<JobResponse> {
    return this.updates.create(actor, dto);
  }
}
