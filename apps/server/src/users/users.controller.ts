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
import { PageQueryDto } from '../common/pagination';
import { CreateUserDto, toUserResponse, UpdateUserDto, UserResponse } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiRoute('List users', { type: PageOf(UserResponse) })
  @Get()
  async list(@Query() q: PageQueryDto): Promise<Page<UserResponse>> {
    const { items, total } = await this.users.list(q.page, q.pageSize);
    return { items: items.map(toUserResponse), total, page: q.page, pageSize: q.pageSize };
  }

  @ApiRoute('A user', { type: UserResponse })
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<UserResponse> {
    return toUserResponse(await this.users.get(id));
  }

  @ApiRoute('Create a user', { status: 201, type: UserResponse, errors: [409] })
  @Post()
  async create(@CurrentActor() actor: Actor, @Body() dto: CreateUserDto): Promise<UserResponse> {
    return toUserResponse(await this.users.create(actor, dto));
  }

  @ApiRoute("Change a user's name, password, role or disabled flag", {
    type: UserResponse,
    errors: [409],
  })
  @Patch(':id')
  async update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserResponse> {
    return toUserResponse(await this.users.update(actor, id, dto));
  }

  @ApiRoute('Delete a user', { status: 204, errors: [409] })
  @Delete(':id')
  @HttpCode(204)
  async remove(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<void> {
    await this.users.remove(actor, id);
  }
}
