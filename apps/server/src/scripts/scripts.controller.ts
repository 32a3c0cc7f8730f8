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
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import type { Page } from '@fleetdesk/api-types';
import {
  CreateScriptDto,
  ScriptQueryDto,
  ScriptResponse,
  ScriptSummaryResponse,
  ScriptVersionResponse,
  UpdateScriptDto,
  UpdateScriptResponse,
} from './dto/script.dto';
import { ScriptsService } from './scripts.service';
import { VersionParamPipe } from './version-param.pipe';

/** Viewers read the library; technicians write it. */
@ApiTags('scripts')
@Controller('scripts')
export class ScriptsController {
  constructor(private readonly scripts: ScriptsService) {}

  @ApiRoute('List scripts', { type: PageOf(ScriptSummaryResponse) })
  @Get()
  list(@Query() q: ScriptQueryDto): Promise<Page<ScriptSummaryResponse>> {
    return this.scripts.list(q);
  }

  @ApiRoute('A script with its current version', { type: ScriptResponse })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ScriptResponse> {
    return this.scripts.get(id);
  }

  @ApiRoute('One version of a script', { type: ScriptVersionResponse })
  @Get(':id/versions/:version')
  getVersion(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('version', VersionParamPipe) version: number,
  ): Promise<ScriptVersionResponse> {
    return this.scripts.getVersion(id, version);
  }

  @ApiRoute('Create a script', { status: 201, type: ScriptResponse, errors: [409] })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateScriptDto): Promise<ScriptResponse> {
    return this.scripts.create(actor, dto);
  }

  @ApiRoute('Edit a script; a changed body or parameters make a new version', {
    type: UpdateScriptResponse,
    errors: [409],
  })
  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateScriptDto,
  ): Promise<UpdateScriptResponse> {
    return this.scripts.update(actor, id, dto);
  }

  /** Archives: jobs that ran the script keep pointing at it. */
  @ApiRoute('Archive a script', { status: 204, errors: [409] })
  @Delete(':id')
  @Roles('technician')
  @HttpCode(204)
  async archive(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.scripts.archive(actor, id);
  }
}
