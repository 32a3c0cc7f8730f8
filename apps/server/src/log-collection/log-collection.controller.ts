import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseIntPipe,
  ParseUUIDPipe,
  Post,
  Put,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import {
  type JobResponse,
  LOG_COLLECTION_RULES,
  type LogBundleResponse,
  type LogCollectionSettings,
} from '@fleetdesk/api-types';
import {
  LOG_CHUNK_COUNT_HEADER,
  LOG_CHUNK_SHA256_HEADER,
  LOG_LIMITS,
  type LogUploadState,
} from '@fleetdesk/protocol';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { DeviceHttpAuthService } from '../agent-updates/device-http-auth.service';
import type { Actor } from '../common/actor';
import { ApiErrors, ApiRoute } from '../common/api-docs';
import { CurrentActor, Public, Roles } from '../common/auth.decorators';
import { JobResponse as JobResponseDto } from '../jobs/dto/job-response.dto';
import {
  CreateLogCollectionDto,
  LogBundleQueryDto,
  LogBundlesArchiveQueryDto,
} from './dto/log-collection.dto';
import { LogSettingsResponse, UpdateLogSettingsDto } from './dto/log-settings.dto';
import { LogCollectionService } from './log-collection.service';
import { LogUploadInvalidException } from './log-collection.exceptions';
import { LogSettingsService } from './log-settings.service';
import { LogUploadService } from './log-upload.service';

const DEVICE_SIGNED =
  'Authorization: `FleetdeskDevice <deviceId>.<epoch ms>.<Ed25519 signature by the device key>` (see deviceHttpAuthPayload in libs/protocol)';

const pathOf = (req: Request) => new URL(req.originalUrl, 'http://x').pathname;

/** The request body as bytes, refused past `max` (a chunk is small and bounded). */
async function readBody(req: Request, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > max) {
      throw new LogUploadInvalidException(
        `a chunk is at most ${max} bytes`,
        HttpStatus.PAYLOAD_TOO_LARGE,
      );
    }
    parts.push(part);
  }
  return Buffer.concat(parts);
}

function wholeNumber(name: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) {
    throw new LogUploadInvalidException(`${name} must be a whole number`, HttpStatus.BAD_REQUEST);
  }
  return Number(raw);
}

/** How many consecutive chunks the body holds (x-fleetdesk-chunk-count; one without it). */
function chunkCount(raw: string | string[] | undefined): number {
  if (raw === undefined) return 1;
  const n = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : 0;
  if (n < 1 || n > LOG_LIMITS.chunksPerRequest) {
    throw new LogUploadInvalidException(
      `${LOG_CHUNK_COUNT_HEADER} must be a whole number from 1 to ${LOG_LIMITS.chunksPerRequest}`,
      HttpStatus.BAD_REQUEST,
    );
  }
  return n;
}

@ApiTags('log-collections')
@Controller('log-collections')
export class LogCollectionController {
  constructor(
    private readonly collections: LogCollectionService,
    private readonly settings: LogSettingsService,
    private readonly uploads: LogUploadService,
    private readonly deviceAuth: DeviceHttpAuthService,
  ) {}

  @ApiRoute('Collect logs from the targeted devices (a job with the collect_logs action)', {
    status: 201,
    type: JobResponseDto,
    errors: [400],
  })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateLogCollectionDto): Promise<JobResponse> {
    return this.collections.create(actor, dto);
  }

  @ApiRoute('The path allow- and deny-lists and the storage limits', { type: LogSettingsResponse })
  @Get('settings')
  @Roles('technician')
  getSettings(): Promise<LogCollectionSettings> {
    return this.settings.get();
  }

  @ApiRoute('Change the path lists or limits (admins only; audited)', {
    type: LogSettingsResponse,
    errors: [400],
  })
  @Put('settings')
  @Roles('admin')
  updateSettings(
    @CurrentActor() actor: Actor,
    @Body() dto: UpdateLogSettingsDto,
  ): Promise<LogCollectionSettings> {
    return this.settings.update(actor, dto);
  }

  /** Signed by the device key (FleetdeskDevice), not a user. */
  @ApiOperation({
    summary: "A device announces its staged bundle; answers each file's next chunk",
    description: DEVICE_SIGNED,
  })
  @ApiResponse({ status: 200, description: 'Where each file stands', schema: { type: 'object' } })
  @ApiErrors(400, 404, 413)
  @Public()
  @Post('uploads/:runId')
  @HttpCode(200)
  async manifest(
    @Param('runId', new ParseUUIDPipe()) runId: string,
    @Req() req: Request,
    @Body() body: unknown,
  ): Promise<LogUploadState> {
    const deviceId = await this.deviceAuth.verify(req.headers.authorization, 'POST', pathOf(req));
    return this.uploads.manifest(deviceId, runId, body);
  }

  @ApiOperation({
    summary:
      'A device sends one gzip chunk of a bundle file (or, with x-fleetdesk-chunk-count, several consecutive ones in one gzip)',
    description: DEVICE_SIGNED,
  })
  @ApiResponse({ status: 200, description: 'The next chunk wanted', schema: { type: 'object' } })
  @ApiErrors(400, 404, 413)
  @Public()
  @Put('uploads/:runId/files/:index/chunks/:seq')
  async chunk(
    @Param('runId') runId: string,
    @Param('index') indexParam: string,
    @Param('seq') seqParam: string,
    @Req() req: Request,
  ): Promise<{ nextSeq: number; complete: boolean }> {
    // The signature first: an unsigned caller learns nothing, not even which params are bad.
    const deviceId = await this.deviceAuth.verify(req.headers.authorization, 'PUT', pathOf(req));
    const index = wholeNumber('index', indexParam);
    const seq = wholeNumber('seq', seqParam);
    const count = chunkCount(req.headers[LOG_CHUNK_COUNT_HEADER]);
    const body = await readBody(req, count * LOG_LIMITS.maxWireChunkBytes);
    const sha = req.headers[LOG_CHUNK_SHA256_HEADER];
    return this.uploads.chunk(
      deviceId,
      runId,
      index,
      seq,
      typeof sha === 'string' ? sha : undefined,
      body,
      count,
    );
  }
}

@ApiTags('log-collections')
@Controller('log-bundles')
export class LogBundlesController {
  constructor(private readonly collections: LogCollectionService) {}

  @ApiRoute('Bundles, newest first (by job, device or run)', { type: [Object] })
  @Get()
  @Roles('technician')
  list(@Query() q: LogBundleQueryDto): Promise<LogBundleResponse[]> {
    return this.collections.list(q);
  }

  // Before ':id', which would take "archive" for an id.
  @ApiOperation({
    summary: `Download several whole bundles as one .tar.gz, streamed (at most ${LOG_COLLECTION_RULES.archiveBundles}; each audited)`,
  })
  @ApiResponse({
    status: 200,
    description: 'A gzip-compressed tar, one bundle-… folder per bundle',
    content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(400, 404, 409)
  @Get('archive')
  @Roles('technician')
  async archiveMany(
    @CurrentActor() actor: Actor,
    @Query() q: LogBundlesArchiveQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    const archive = await this.collections.archiveMany(actor, q.ids);
    res.setHeader('content-type', 'application/gzip');
    res.setHeader('content-disposition', `attachment; filename="${archive.name}"`);
    await pipeline(Readable.from(archive.chunks), createGzip(), res).catch(() => res.destroy());
  }

  @ApiRoute('One bundle: its files (size, SHA-256, upload progress) and what was refused', {
    type: Object,
    errors: [404],
  })
  @Get(':id')
  @Roles('technician')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<LogBundleResponse> {
    return this.collections.get(id);
  }

  @ApiRoute('Delete a bundle and the stored files no other bundle uses (audited)', {
    status: 204,
    errors: [404],
  })
  @Delete(':id')
  @Roles('technician')
  @HttpCode(204)
  remove(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
  ): Promise<void> {
    return this.collections.remove(actor, id);
  }

  @ApiOperation({ summary: 'Download one file of a bundle (audited)' })
  @ApiResponse({
    status: 200,
    description: 'The file as stored',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(404, 409)
  @Get(':id/files/:index')
  @Roles('technician')
  async file(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('index', ParseIntPipe) index: number,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.collections.openFile(actor, id, index);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(file.size));
    res.setHeader('content-disposition', `attachment; filename="${file.name}"`);
    res.setHeader('x-content-sha256', file.sha256);
    await pipeline(file.stream, res).catch(() => res.destroy());
  }

  @ApiOperation({ summary: 'Download a whole bundle as .tar.gz, streamed (audited)' })
  @ApiResponse({
    status: 200,
    description: 'A gzip-compressed tar of the bundle',
    content: { 'application/gzip': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(404, 409)
  @Get(':id/archive')
  @Roles('technician')
  async archive(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Res() res: Response,
  ): Promise<void> {
    const archive = await this.collections.archive(actor, id);
    res.setHeader('content-type', 'application/gzip');
    res.setHeader('content-disposition', `attachment; filename="${archive.name}"`);
    await pipeline(Readable.from(archive.chunks), createGzip(), res).catch(() => res.destroy());
  }
}
