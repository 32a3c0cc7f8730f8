import { Controller, Get, Param, Req, Res, StreamableFile, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOperation,
  ApiResponse,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { ENROLLMENT_TOKEN_HEADER } from '@fleetdesk/api-types';
import { ApiErrors, ApiRoute } from '../common/api-docs';
import { OtherCredential } from '../common/auth.decorators';
import { RateLimited } from '../common/rate-limit';
import { AgentDownloadsService } from './agent-downloads.service';
import { DownloadCredentialGuard, type DownloadRequest } from './download-credential.guard';
import { AgentDownloadsResponse, AgentPlatformParam } from './dto/agent-downloads.dto';

/** For a technician, or a bare machine holding an enrollment token (the one-line install). */
@ApiTags('agent')
@Controller('agent/downloads')
@RateLimited('download')
@OtherCredential(ENROLLMENT_TOKEN_HEADER)
@UseGuards(DownloadCredentialGuard)
@ApiBearerAuth('bearer')
@ApiCookieAuth('cookie')
@ApiSecurity('enrollmentToken')
export class AgentDownloadsController {
  constructor(private readonly downloads: AgentDownloadsService) {}

  @ApiRoute('List the agent executables this server offers, with their SHA-256', {
    type: AgentDownloadsResponse,
  })
  @Get()
  list(): Promise<AgentDownloadsResponse> {
    return this.downloads.list();
  }

  @ApiOperation({ summary: 'Download the agent executable for one platform (audited)' })
  @ApiResponse({
    status: 200,
    description: 'The executable; X-Checksum-Sha256 carries its SHA-256 (lowercase hex)',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
    headers: {
      'X-Checksum-Sha256': { description: 'SHA-256 of the body', schema: { type: 'string' } },
      'Content-Length': { description: 'Bytes', schema: { type: 'integer' } },
    },
  })
  @ApiErrors(409)
  @Get(':platform')
  async download(
    @Req() req: DownloadRequest,
    @Param() { platform }: AgentPlatformParam,
    @Res({ passthrough: true }) res: Response,
  ): Promise<StreamableFile> {
    // Set by DownloadCredentialGuard on every request that reaches this handler.
    const { binary, stream } = await this.downloads.download(req.downloader!, platform);
    res.setHeader('X-Checksum-Sha256', binary.sha256);
    return new StreamableFile(stream, {
      type: 'application/octet-stream',
      disposition: `attachment; filename="${binary.file}"`,
      length: binary.size,
    });
  }
}
