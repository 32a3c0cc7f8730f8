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
import { DevicesBulkService } from './devices-bulk.service';
import { DevicesService } from './devices.service';
import { DeviceSoftwareItemDto } from './dto/device-shapes.dto';
import {
  BulkActionResponse,
  BulkGroupDto,
  BulkTagDto,
  BulkTargetDto,
  BulkUntagDto,
} from './dto/bulk.dto';
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
  constructor(
    private readonly devices: DevicesService,
    private readonly bulk: DevicesBulkService,
  ) {}

  // The bulk routes come before the `:id` ones: Express matches in declaration order, and
  // POST bulk/revoke would otherwise reach `:id/revoke` with "bulk" as the id.

  @Post('bulk/tag')
  @Roles('technician')
  @HttpCode(200)
  @ApiRoute('Tag every device of a target (missing tags are created)', { type: BulkActionResponse })
  bulkTag(@CurrentActor() actor: Actor, @Body() dto: BulkTagDto): Promise<BulkActionResponse> {
    return this.bulk.tag(actor, dto.target, dto.tags);
  }

  @Post('bulk/untag')
  @Roles('technician')
  @HttpCode(200)
  @ApiRoute('Remove tags from every device of a target', { type: BulkActionResponse })
  bulkUntag(@CurrentActor() actor: Actor, @Body() dto: BulkUntagDto): Promise<BulkActionResponse> {
    return this.bulk.untag(actor, dto.target, dto.tags);
  }

  @Post('bulk/group')
  @Roles('technician')
  @HttpCode(200)
  @ApiRoute('Move every device of a target into a group, or out of any', {
    type: BulkActionResponse,
  })
  bulkGroup(@CurrentActor() actor: Actor, @Body() dto: BulkGroupDto): Promise<BulkActionResponse> {
    return this.bulk.group(actor, dto.target, dto.groupId);
  }

  @Post('bulk/revoke')
  @Roles('technician')
  @HttpCode(200)
  @ApiRoute('Revoke every device of a target; their agents are disconnected', {
    type: BulkActionResponse,
  })
  bulkRevoke(
    @CurrentActor() actor: Actor,
    @Body() dto: BulkTargetDto,
  ): Promise<BulkActionResponse> {
    return this.bulk.revoke(actor, dto.target);
  }

  @Post('bulk/delete')
  @Roles('admin')
  @HttpCode(200)
  @ApiRoute('Delete every device of a target, revoked ones included (the usual clean-up)', {
    type: BulkActionResponse,
  })
  bulkDelete(
    @CurrentActor() actor: Actor,
    @Body() dto: BulkTargetDto,
  ): Promise<BulkActionResponse> {
    return this.bulk.delete(actor, dto.target);
  }

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
