import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { JobResponse, LogSearchResponse, SearchBundlesResponse } from '@fleetdesk/api-types';
import { SEARCH_LIMITS } from '@fleetdesk/protocol';
import { DeviceHttpAuthService } from '../agent-updates/device-http-auth.service';
import type { Actor } from '../common/actor';
import { ApiErrors, ApiRoute } from '../common/api-docs';
import { CurrentActor, Public, Roles } from '../common/auth.decorators';
import { JobResponse as JobResponseDto } from '../jobs/dto/job-response.dto';
import { CreateLogSearchDto, SearchBundlesDto } from './dto/log-search.dto';
import { LogUploadInvalidException } from './log-collection.exceptions';
import { LogSearchService } from './log-search.service';

@ApiTags('log-searches')
@Controller('log-searches')
export class LogSearchController {
  constructor(
    private readonly searches: LogSearchService,
    private readonly deviceAuth: DeviceHttpAuthService,
  ) {}

  @ApiRoute('Search logs on the targeted devices (a job with the search_logs action; audited)', {
    status: 201,
    type: JobResponseDto,
    errors: [400],
  })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateLogSearchDto): Promise<JobResponse> {
    return this.searches.create(actor, dto);
  }

  @ApiRoute('Search stored bundles on the server (audited)', {
    type: Object,
    errors: [400],
  })
  @Post('bundles')
  @HttpCode(200)
  @Roles('technician')
  searchBundles(
    @CurrentActor() actor: Actor,
    @Body() dto: SearchBundlesDto,
  ): Promise<SearchBundlesResponse> {
    return this.searches.searchBundles(actor, dto);
  }

  @ApiRoute(
    "A search's results by device: matched, no match, offline, pending, failed, with counts",
    { type: Object, errors: [404] },
  )
  @Get(':jobId')
  @Roles('technician')
  get(@Param('jobId', new ParseUUIDPipe()) jobId: string): Promise<LogSearchResponse> {
    return this.searches.get(jobId);
  }

  /** Signed by the device key (FleetdeskDevice), not a user. */
  @ApiOperation({
    summary: "A device sends its search run's result (matching lines with context)",
    description:
      'Authorization: `FleetdeskDevice <deviceId>.<epoch ms>.<Ed25519 signature by the device key>`',
  })
  @ApiResponse({
    status: 200,
    description: 'Stored (or already stored)',
    schema: { type: 'object' },
  })
  @ApiErrors(400, 404, 413)
  @Public()
  @Post('results/:runId')
  @HttpCode(200)
  async result(@Param('runId') runId: string, @Req() req: Request): Promise<{ stored: boolean }> {
    const path = new URL(req.originalUrl, 'http://x').pathname;
    const deviceId = await this.deviceAuth.verify(req.headers.authorization, 'POST', path);
    if (!/^[0-9a-f-]{36}$/.test(runId)) {
      throw new LogUploadInvalidException('runId must be a UUID', HttpStatus.BAD_REQUEST);
    }
    const parts: Buffer[] = [];
    let size = 0;
    for await (const part of req as AsyncIterable<Buffer>) {
      size += part.length;
      if (size > SEARCH_LIMITS.resultBytes) {
        throw new LogUploadInvalidException(
          `a search result is at most ${SEARCH_LIMITS.resultBytes} bytes`,
          HttpStatus.PAYLOAD_TOO_LARGE,
        );
      }
      parts.push(part);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {
      throw new LogUploadInvalidException('the result is not JSON', HttpStatus.BAD_REQUEST);
    }
    return this.searches.result(deviceId, runId, body);
  }
}
