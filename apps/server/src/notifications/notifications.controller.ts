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
import type {
  ChannelResponse,
  CreatedChannelResponse,
  DeliveryResponse,
  Page,
} from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import * as dto from './dto/channel-response.dto';
import { CreateChannelDto, UpdateChannelDto } from './dto/channel.dto';
import { NotificationsService } from './notifications.service';

/** Admin only, reads included: channels point at other systems and their deliveries say how. */
@ApiTags('notifications')
@Controller('notification-channels')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @ApiRoute('Create a notification channel (webhook, Slack, Teams or email)', {
    status: 201,
    type: dto.CreatedChannelResponse,
    errors: [400],
  })
  @Post()
  @Roles('admin')
  create(
    @CurrentActor() actor: Actor,
    @Body() body: CreateChannelDto,
  ): Promise<CreatedChannelResponse> {
    return this.notifications.create(actor, body);
  }

  @ApiRoute('List notification channels', { type: PageOf(dto.ChannelResponse) })
  @Get()
  @Roles('admin')
  list(@Query() q: PageQueryDto): Promise<Page<ChannelResponse>> {
    return this.notifications.list(q);
  }

  @ApiRoute('A notification channel', { type: dto.ChannelResponse, errors: [404] })
  @Get(':id')
  @Roles('admin')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<ChannelResponse> {
    return this.notifications.get(id);
  }

  @ApiRoute('Change a notification channel', { type: dto.ChannelResponse, errors: [400, 404] })
  @Patch(':id')
  @Roles('admin')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdateChannelDto,
  ): Promise<ChannelResponse> {
    return this.notifications.update(actor, id, body);
  }

  @ApiRoute('Delete a notification channel and its delivery history', {
    status: 204,
    errors: [404],
  })
  @Delete(':id')
  @Roles('admin')
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.notifications.remove(actor, id);
  }

  @ApiRoute('Send a test message now; answers with the delivery and its attempt', {
    type: dto.DeliveryResponse,
    errors: [404],
  })
  @Post(':id/test')
  @Roles('admin')
  @HttpCode(200)
  test(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
  ): Promise<DeliveryResponse> {
    return this.notifications.sendTest(actor, id);
  }

  @ApiRoute('Deliveries of this channel, newest first, with every attempt', {
    type: PageOf(dto.DeliveryResponse),
    errors: [404],
  })
  @Get(':id/deliveries')
  @Roles('admin')
  deliveries(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: PageQueryDto,
  ): Promise<Page<DeliveryResponse>> {
    return this.notifications.deliveries(id, q);
  }
}
