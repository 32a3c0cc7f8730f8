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
import type { DevicePolicy, Page, PolicyResponse } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { PageQueryDto } from '../common/pagination';
import * as dto from './dto/policy.dto';
import { PoliciesService } from './policies.service';

@ApiTags('policies')
@Controller()
export class PoliciesController {
  constructor(private readonly policies: PoliciesService) {}

  @ApiRoute('Create an automation policy: schedules attached to groups and tags', {
    status: 201,
    type: dto.PolicyResponse,
    errors: [400, 409],
  })
  @Post('policies')
  @Roles('technician')
  create(@CurrentActor() actor: Actor, @Body() body: dto.CreatePolicyDto): Promise<PolicyResponse> {
    return this.policies.create(actor, body);
  }

  @ApiRoute('List automation policies by name', { type: PageOf(dto.PolicyResponse) })
  @Get('policies')
  list(@Query() q: PageQueryDto): Promise<Page<PolicyResponse>> {
    return this.policies.list(q);
  }

  @ApiRoute('An automation policy', { type: dto.PolicyResponse })
  @Get('policies/:id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<PolicyResponse> {
    return this.policies.get(id);
  }

  @ApiRoute('Change an automation policy (scheduleIds, when given, replaces the list)', {
    type: dto.PolicyResponse,
    errors: [400, 404, 409],
  })
  @Patch('policies/:id')
  @Roles('technician')
  update(
    @CurrentActor() actor: Actor,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: dto.UpdatePolicyDto,
  ): Promise<PolicyResponse> {
    return this.policies.update(actor, id, body);
  }

  @ApiRoute('Delete an automation policy (its schedules stay, on their own targets)', {
    status: 204,
  })
  @Delete('policies/:id')
  @Roles('technician')
  @HttpCode(204)
  remove(@CurrentActor() actor: Actor, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.policies.remove(actor, id);
  }

  @ApiRoute('The automation policies that apply to a device, and which group or tag matched', {
    type: [dto.DevicePolicyResponse],
  })
  @Get('devices/:id/policies')
  forDevice(@Param('id', ParseUUIDPipe) id: string): Promise<DevicePolicy[]> {
    return this.policies.forDevice(id);
  }
}
