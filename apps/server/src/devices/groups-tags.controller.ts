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
import { CurrentActor, Roles } from '../common/auth.decorators';
import type { GroupResponse, TagResponse } from '@fleetdesk/api-types';
import { CreateGroupDto, CreateTagDto, UpdateGroupDto } from './dto/group-tag.dto';
import { GroupsTagsService } from './groups-tags.service';
import { TagParamPipe } from './tag-param.pipe';

@ApiTags('devices')
@Controller('groups')
export class GroupsController {
  constructor(private readonly service: GroupsTagsService) {}

  @Get()
  list(): Promise<GroupResponse[]> {
    return this.service.listGroups();
  }

  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateGroupDto): Promise<GroupResponse> {
    return this.service.createGroup(actor, dto);
  }

  @Patch(':id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateGroupDto,
  ): Promise<GroupResponse> {
    return this.service.updateGroup(actor, id, dto);
  }

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

  @Get()
  list(): Promise<TagResponse[]> {
    return this.service.listTags();
  }

  @Post()
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() dto: CreateTagDto): Promise<TagResponse> {
    return this.service.createTag(actor, dto.name);
  }

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
