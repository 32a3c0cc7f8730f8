import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { AgentReleaseResponse, JobResponse } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiErrors, ApiRoute } from '../common/api-docs';
import { CurrentActor, Public, Roles } from '../common/auth.decorators';
import { JobResponse as JobResponseDto } from '../jobs/dto/job-response.dto';
import { AgentUpdatesService } from './agent-updates.service';
import {
  AgentReleaseResponse as AgentReleaseDto,
  CreateAgentUpdateDto,
} from './dto/agent-update.dto';

@ApiTags('agent-updates')
@Controller('agent-updates')
export class AgentUpdatesController {
  constructor(private readonly updates: AgentUpdatesService) {}

  @ApiRoute('The agent version this server offers, per platform', { type: AgentReleaseDto })
  @Get('release')
  release(): Promise<AgentReleaseResponse> {
    return this.updates.release();
  }

  /** Signed by the device key, not a user: see DeviceHttpAuthService. */
  @ApiOperation({
    summary: 'A device fetches the offered agent build for its platform',
    description:
      'Authorization: `FleetdeskDevice <deviceId>.<epoch ms>.<Ed25519 signature by the device key>` (see deviceHttpAuthPayload in libs/protocol)',
  })
  @ApiResponse({
    status: 200,
    description: 'The executable',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(401, 404)
  @Public()
  @Get('builds/:platform')
  async build(
    @Param('platform') platform: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const path = new URL(req.originalUrl, 'http://x').pathname;
    const build = await this.updates.buildForDevice(req.headers.authorization, path, platform);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(build.size));
    res.setHeader('x-agent-version', build.version);
    build.stream.on('error', () => res.destroy());
    build.stream.pipe(res);
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
