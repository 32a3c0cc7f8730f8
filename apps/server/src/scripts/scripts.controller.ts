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

  @Get()
  list(@Query() q: ScriptQueryDto): Promise<Page<ScriptSummaryResponse>> {
    return this.scripts.list(q);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ScriptResponse> {
    return this.scripts.get(id);
  }

  @Get(':id/versions/:version')
  getVersion(
    @Param('id', ParseUUIDPipe) id: string,
    @Param('version', VersionParamPipe) version: number,
  ): Promise<ScriptVersionResponse> {
    return this.scripts.getVersion(id, version);
  }

  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateScriptDto): Promise<ScriptResponse> {
    return this.scripts.create(actor, dto);
  }

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
