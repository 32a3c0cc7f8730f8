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
  Req,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { SoftwareInstallerResponse, SoftwareTitleResponse } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiErrors, ApiRoute } from '../common/api-docs';
import { CurrentActor, Public, Roles } from '../common/auth.decorators';
import {
  CreateSoftwareTitleDto,
  SoftwareInstallerResponseDto,
  SoftwareTitleResponseDto,
  UpdateSoftwareTitleDto,
  UploadInstallerQueryDto,
} from './dto/software.dto';
import { SoftwareService } from './software.service';

@ApiTags('software')
@Controller('software')
export class SoftwareController {
  constructor(private readonly software: SoftwareService) {}

  @ApiRoute('List the catalogue titles, by name', { type: [SoftwareTitleResponseDto] })
  @Get('titles')
  listTitles(): Promise<SoftwareTitleResponse[]> {
    return this.software.listTitles();
  }

  @ApiRoute('A catalogue title', { type: SoftwareTitleResponseDto })
  @Get('titles/:id')
  getTitle(@Param('id', ParseUUIDPipe) id: string): Promise<SoftwareTitleResponse> {
    return this.software.getTitle(id);
  }

  @ApiRoute('Add a title: its package name per manager, optional version pins', {
    status: 201,
    type: SoftwareTitleResponseDto,
    errors: [409],
  })
  @Post('titles')
  @Roles('technician')
  createTitle(
    @CurrentActor() actor: Actor,
    @Body() dto: CreateSoftwareTitleDto,
  ): Promise<SoftwareTitleResponse> {
    return this.software.createTitle(actor, dto);
  }

  @ApiRoute('Change a title', { type: SoftwareTitleResponseDto, errors: [404, 409] })
  @Patch('titles/:id')
  @Roles('technician')
  updateTitle(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateSoftwareTitleDto,
  ): Promise<SoftwareTitleResponse> {
    return this.software.updateTitle(actor, id, dto);
  }

  @ApiRoute('Remove a title (jobs already started keep their action)', {
    status: 204,
    errors: [404],
  })
  @Delete('titles/:id')
  @Roles('technician')
  @HttpCode(204)
  deleteTitle(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.software.deleteTitle(actor, id);
  }

  @ApiRoute('List uploaded installers, newest first', { type: [SoftwareInstallerResponseDto] })
  @Get('installers')
  listInstallers(): Promise<SoftwareInstallerResponse[]> {
    return this.software.listInstallers();
  }

  @ApiRoute('An uploaded installer', { type: SoftwareInstallerResponseDto })
  @Get('installers/:id')
  getInstaller(@Param('id', ParseUUIDPipe) id: string): Promise<SoftwareInstallerResponse> {
    return this.software.getInstaller(id);
  }

  @ApiRoute('Upload an installer: the body is the file, stored by its SHA-256', {
    status: 201,
    type: SoftwareInstallerResponseDto,
    errors: [413],
  })
  @ApiConsumes('application/octet-stream')
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @Post('installers')
  @Roles('technician')
  upload(
    @CurrentActor() actor: Actor,
    @Query() query: UploadInstallerQueryDto,
    @Req() req: Request,
  ): Promise<SoftwareInstallerResponse> {
    const length = Number(req.headers['content-length']);
    return this.software.upload(actor, query, req, Number.isFinite(length) ? length : undefined);
  }

  @ApiRoute('Delete an uploaded installer (refused while a deployment of it is unfinished)', {
    status: 204,
    errors: [404, 409],
  })
  @Delete('installers/:id')
  @Roles('technician')
  @HttpCode(204)
  deleteInstaller(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    return this.software.deleteInstaller(actor, id);
  }

  /** Signed by the device key, not a user: see DeviceHttpAuthService. */
  @ApiOperation({
    summary: "A device fetches an installer's bytes (it checks the signed SHA-256 itself)",
    description:
      'Authorization: `FleetdeskDevice <deviceId>.<epoch ms>.<Ed25519 signature by the device key>` (see deviceHttpAuthPayload in libs/protocol)',
  })
  @ApiResponse({
    status: 200,
    description: 'The installer',
    content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
  })
  @ApiErrors(401, 404)
  @Public()
  @Get('installers/:id/content')
  async content(
    @Param('id', ParseUUIDPipe) id: string,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const path = new URL(req.originalUrl, 'http://x').pathname;
    const blob = await this.software.installerForDevice(req.headers.authorization, path, id);
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('content-length', String(blob.size));
    blob.stream.on('error', () => res.destroy());
    blob.stream.pipe(res);
  }
}
