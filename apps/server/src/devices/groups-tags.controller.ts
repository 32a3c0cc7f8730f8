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
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/actor';
import { ApiRoute } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import type { GroupResponse, TagResponse } from '@fleetdesk/api-types';
import {
  CreateGroupDto,
  CreateTagDto,
  GroupResponse as GroupSchema,
  TagResponse as TagSchema,
  UpdateGroupDto,
} from './dto/group-tag.dto';
import { GroupsTagsService } from './groups-tags.service';
import { TagParamPipe } from './tag-param.pipe';

@ApiTags('devices')
@Controller('groups')
export class GroupsController {
  constructor(private readonly service: GroupsTagsService) {}

  @ApiRoute('List device groups', { type: [GroupSchema] })
  @Get()
  list(): Promise<GroupResponse[]> {
    return this.service.listGroups();
  }

  @ApiRoute('Create a device group', { status: 201, type: GroupSchema, errors: [409] })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateGroupDto): Promise<GroupResponse> {
    return this.service.createGroup(actor, dto);
  }

  @ApiRoute('Rename or describe a device group', { type: GroupSchema, errors: [409] })
  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateGroupDto,
  ): Promise<GroupResponse> {
    return this.service.updateGroup(actor, id, dto);
  }

  @ApiRoute('Delete a device group (its devices keep running, ungrouped)', { status: 204 })
  @Delete(':id')
  @Roles('technician')
  @HttpCode(204)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.service.deleteGroup(actor, id);
  }
}

@ApiTags('devices')
@Controller('tags')
export class TagsController {
  constructor(private readonly service: GroupsTagsService) {}

  @ApiRoute('List tags', { type: [TagSchema] })
  @Get()
  list(): Promise<TagResponse[]> {
    return this.service.listTags();
  }

  @ApiRoute('Create a tag', { status: 201, type: TagSchema, errors: [409] })
  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateTagDto): Promise<TagResponse> {
    return this.service.createTag(actor, dto.name);
  }

  @ApiRoute('Delete a tag (removes it from every device)', { status: 204 })
  @Delete(':name')
  @Roles('technician')
  @HttpCode(204)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('name', TagParamPipe) name: string,
  ): Promise<void> {
    await this.service.deleteTag(actor, name);
  }
}
