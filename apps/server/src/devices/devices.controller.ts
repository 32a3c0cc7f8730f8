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
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { CurrentActor, Roles } from '../common/auth.decorators';
import type { DeviceDetail, DeviceSoftwareItem, Page } from '@fleetdesk/api-types';
import { TagParamPipe } from './tag-param.pipe';
import { DevicesBulkService } from './devices-bulk.service';
import { DevicesService } from './devices.service';
import {
  BulkActionResponse,
  BulkGroupDto,
  BulkTagDto,
  BulkTargetDto,
  BulkUntagDto,
} from './dto/bulk.dto';
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
  constructor(
    private readonly devices: DevicesService,
    private readonly bulk: DevicesBulkService,
  ) {}

  // The bulk routes come before the `:id` ones: Express matches in declaration order, and
  // POST bulk/revoke would otherwise reach `:id/revoke` with "bulk" as the id.

  @Post('bulk/tag')
  @Roles('technician')
  @HttpCode(200)
  @ApiOperation({ summary: 'Tag every device of a target (missing tags are created)' })
  @ApiOkResponse({ type: BulkActionResponse })
  bulkTag(@CurrentActor() actor: Actor, @Body() dto: BulkTagDto): Promise<BulkActionResponse> {
    return this.bulk.tag(actor, dto.target, dto.tags);
  }

  @Post('bulk/untag')
  @Roles('technician')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove tags from every device of a target' })
  @ApiOkResponse({ type: BulkActionResponse })
  bulkUntag(@CurrentActor() actor: Actor, @Body() dto: BulkUntagDto): Promise<BulkActionResponse> {
    return this.bulk.untag(actor, dto.target, dto.tags);
  }

  @Post('bulk/group')
  @Roles('technician')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move every device of a target into a group, or out of any' })
  @ApiOkResponse({ type: BulkActionResponse })
  bulkGroup(@CurrentActor() actor: Actor, @Body() dto: BulkGroupDto): Promise<BulkActionResponse> {
    return this.bulk.group(actor, dto.target, dto.groupId);
  }

  @Post('bulk/revoke')
  @Roles('technician')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke every device of a target; their agents are disconnected' })
  @ApiOkResponse({ type: BulkActionResponse })
  bulkRevoke(
    @CurrentActor() actor: Actor,
    @Body() dto: BulkTargetDto,
  ): Promise<BulkActionResponse> {
    return this.bulk.revoke(actor, dto.target);
  }

  @Post('bulk/delete')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete every device of a target' })
  @ApiOkResponse({ type: BulkActionResponse })
  bulkDelete(
    @CurrentActor() actor: Actor,
    @Body() dto: BulkTargetDto,
  ): Promise<BulkActionResponse> {
    return this.bulk.delete(actor, dto.target);
  }

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
