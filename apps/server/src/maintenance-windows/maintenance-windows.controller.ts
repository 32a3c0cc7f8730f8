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
import type { ActiveWindow, MaintenanceWindowResponse, Page } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import * as dto from './dto/maintenance-window.dto';
import { MaintenanceWindowsService } from './maintenance-windows.service';

@ApiTags('maintenance-windows')
@Controller('maintenance-windows')
export class MaintenanceWindowsController {
  constructor(private readonly windows: MaintenanceWindowsService) {}

  @ApiRoute('Create a maintenance window for the devices of tags or groups', {
    status: 201,
    type: dto.MaintenanceWindowResponse,
    errors: [400],
  })
  @Post()
  @Roles('technician')
  create(
    @CurrentActor() actor: Actor,
    @Body() body: dto.CreateMaintenanceWindowDto,
  ): Promise<MaintenanceWindowResponse> {
    return this.windows.create(actor, body);
  }

  @ApiRoute('List maintenance windows, newest first', {
    type: PageOf(dto.MaintenanceWindowResponse),
  })
  @Get()
  list(@Query() q: PageQueryDto): Promise<Page<MaintenanceWindowResponse>> {
    return this.windows.list(q);
  }

  @ApiRoute('The windows open now for one device', { type: [dto.ActiveWindowResponse] })
  @Get('active')
  async active(@Query() q: dto.ActiveWindowsQueryDto): Promise<ActiveWindow[]> {
    return (await this.windows.activeWindows([q.deviceId], new Date())).get(q.deviceId) ?? [];
  }

  @ApiRoute('A maintenance window', { type: dto.MaintenanceWindowResponse })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<MaintenanceWindowResponse> {
    return this.windows.get(id);
  }

  @ApiRoute('Change a maintenance window', {
    type: dto.MaintenanceWindowResponse,
    errors: [400, 404],
  })
  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: dto.UpdateMaintenanceWindowDto,
  ): Promise<MaintenanceWindowResponse> {
    return this.windows.update(actor, id, body);
  }

  @ApiRoute('Delete a maintenance window', { status: 204 })
  @Delete(':id')
  @Roles('technician')
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.windows.remove(actor, id);
  }
}
