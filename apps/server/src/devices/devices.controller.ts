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
import type { DeviceDetail, DeviceSoftwareItem, Page } from '@fleetdesk/api-types';
import { TagParamPipe } from './tag-param.pipe';
import { DevicesService } from './devices.service';
import { DeviceSoftwareItemDto } from './dto/device-shapes.dto';
import {
  DeviceDetailResponse,
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

  @ApiRoute('List devices', { type: PageOf(DeviceResponse) })
  @Get()
  list(@Query() q: DeviceQueryDto): Promise<Page<DeviceResponse>> {
    return this.devices.list(q);
  }

  @ApiRoute('A device with its latest inventory', { type: DeviceDetailResponse })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<DeviceDetail> {
    return this.devices.get(id);
  }

  @ApiRoute("List a device's installed software", { type: PageOf(DeviceSoftwareItemDto) })
  @Get(':id/software')
  software(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: SoftwareQueryDto,
  ): Promise<Page<DeviceSoftwareItem>> {
    return this.devices.software(id, q);
  }

  @ApiRoute('Rename a device or change its group', { type: DeviceResponse })
  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateDeviceDto,
  ): Promise<DeviceResponse> {
    return this.devices.update(actor, id, dto);
  }

  @ApiRoute('Add tags to a device (unknown tags are created)', { type: DeviceResponse })
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

  @ApiRoute('Remove a tag from a device', { type: DeviceResponse })
  @Delete(':id/tags/:tag')
  @Roles('technician')
  removeTag(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('tag', TagParamPipe) tag: string,
  ): Promise<DeviceResponse> {
    return this.devices.removeTag(actor, id, tag);
  }

  @ApiRoute('Revoke a device: its agent can no longer connect', { type: DeviceResponse })
  @Post(':id/revoke')
  @Roles('technician')
  @HttpCode(200)
  revoke(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DeviceResponse> {
    return this.devices.revoke(actor, id);
  }

  @ApiRoute('Delete a device', { status: 204 })
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
