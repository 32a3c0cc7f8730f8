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
import type { DeviceDetail, DeviceSoftwareItem, Page } from '@fleetdesk/api-types';
import { TagParamPipe } from './tag-param.pipe';
import { DevicesService } from './devices.service';
import {
  DeviceQueryDto,
  DeviceResponse,
  DeviceTagsDto,
  SoftwareQueryDto,
  UpdateDeviceDto,
} from './dto/device.dto';

@ApiTags('devices')
@Controller('devices')
export class DevicesController {
  constructor(private readonly devices: DevicesService) {}

  @Get()
  list(@Query() q: DeviceQueryDto): Promise<Page<DeviceResponse>> {
    return this.devices.list(q);
  }

  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<DeviceDetail> {
    return this.devices.get(id);
  }

  @Get(':id/software')
  software(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: SoftwareQueryDto,
  ): Promise<Page<DeviceSoftwareItem>> {
    return this.devices.software(id, q);
  }

  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateDeviceDto,
  ): Promise<DeviceResponse> {
    return this.devices.update(actor, id, dto);
  }

  @Post(':id/tags')
  @Roles('technician')
  @HttpCode(200)
  addTags(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: DeviceTagsDto,
  ): Promise<DeviceResponse> {
    return this.devices.addTags(actor, id, dto.tags);
  }

  @Delete(':id/tags/:tag')
  @Roles('technician')
  removeTag(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('tag', TagParamPipe) tag: string,
  ): Promise<DeviceResponse> {
    return this.devices.removeTag(actor, id, tag);
  }

  @Post(':id/revoke')
  @Roles('technician')
  @HttpCode(200)
  revoke(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DeviceResponse> {
    return this.devices.revoke(actor, id);
  }

  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.devices.remove(actor, id);
  }
}
