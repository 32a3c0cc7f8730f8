import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { FileTransferResponse, FileUploadResponse, JobResponse } from '@fleetdesk/api-types';
import { TRANSFER_CHUNK_SHA256_HEADER } from '@fleetdesk/protocol';
import { DeviceHttpAuthService } from '../agent-updates/device-http-auth.service';
import type { Actor } from '../common/actor';
import { ApiErrors, ApiRoute } from '../common/api-docs';
import { CurrentActor, Public, Roles } from '../common/auth.decorators';
import { JobResponse as JobResponseDto } from '../jobs/dto/job-response.dto';
import { FetchFileDto, FileUploadQueryDto, PushFileDto } from './dto/file-transfer.dto';
import { FileTransferService } from './file-transfer.service';
import { LogUploadInvalidException } from './log-collection.exceptions';

@ApiTags('file-transfers')
@Controller('file-transfers')
export class FileTransferController {
  constructor(
    private readonly transfers: FileTransferService,
    private readonly deviceAuth: DeviceHttpAuthService,
  ) {}

  @ApiRoute('Upload a file to push: the body is the file, stored by its SHA-256 (audited)', {
    status: 201,
    type: Object,
    errors: [400, 413],
  })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @Post('uploads')
  @Roles('technician')
  upload(
    @CurrentActor() actor: Actor,
    @Query() query: FileUploadQueryDto,
    @Req() req: Request,
  ): Promise<FileUploadResponse> {
    const length = Number(req.headers['content-length']);
    return this.transfers.upload(
      actor,
      query.name,
      req as AsyncIterable<Buffer>,
      Number.isFinite(length) ? length : undefined,
    );
  }

  @ApiRoute('One uploaded file (size, SHA-256, expiry)', { type: Object, errors: [404] })
  @Get('uploads/:id')
  @Roles('technician')
  getUpload(@Param('id', new ParseUUIDPipe()) id: string): Promise<FileUploadResponse> {
    return this.transfers.getUpload(id);
  }

  @ApiRoute('Fetch a file, or a folder as a .tar, from the targeted devices (a job; audited)', {
    status: 201,
    type: JobResponseDto,
    errors: [400],
  })
  @Post('fetch')
  @Roles('technician')
  fetch(@CurrentActor() actor: Actor, @Body() dto: FetchFileDto): Promise<JobResponse> {
    return this.transfers.fetch(actor, dto);
  }

  @ApiRoute('Push an uploaded file to a path on the targeted devices (a job; audited)', {
    status: 201,
    type: JobResponseDto,
    errors: [400, 404],
  })
  @Post('push')
  @Roles('technician')
  push(@CurrentActor() actor: Actor, @Body() dto: PushFileDto): Promise<JobResponse> {
    return this.transfers.push(actor, dto);
  }

  @ApiRoute("A transfer job's devices: state, bytes moved, hash, the fetched copy", {
    type: Object,
    errors: [404],
  })
  @Get(':jobId')
  @Roles('technician')
  status(@Param('jobId', new ParseUUIDPipe()) jobId: string): Promise<FileTransferResponse> {
    return this.transfers.status(jobId);
  }

  /** Signed by the device key (FleetdeskDevice), not a user. */
  @ApiOperation({
    summary: 'A device fetches one chunk of the file its push run names',
    description:
      'Authorization: `FleetdeskDevice <deviceId>.<epoch ms>.<Ed25519 signature by the device key>`; the chunk SHA-256 is in the x-fleetdesk-chunk-sha256 header',
  })
  @ApiResponse({
    status: 200,
    description: 'The chunk',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(401, 404)
  @Public()
  @Get('pushes/:runId/chunks/:seq')
  async pushChunk(
    @Param('runId') runId: string,
    @Param('seq') seqParam: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const path = new URL(req.originalUrl, 'http://x').pathname;
    // The signature first: an unsigned caller learns nothing, not even which params are bad.
    const deviceId = await this.deviceAuth.verify(req.headers.authorization, 'GET', path);
    if (!/^[0-9a-f-]{36}$/.test(runId) || !/^\d{1,9}$/.test(seqParam)) {
      throw new LogUploadInvalidException('runId must be a UUID and seq a whole number', 400);
    }
    const chunk = await this.transfers.pushChunk(deviceId, runId, Number(seqParam));
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(chunk.data.length));
    res.setHeader(TRANSFER_CHUNK_SHA256_HEADER, chunk.sha256);
    res.end(chunk.data);
  }
}
