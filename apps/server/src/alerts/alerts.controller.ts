import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type {
  AcknowledgeAlertsResponse,
  AlertResponse,
  AlertSummaryResponse,
  DeviceAlertCount,
  Page,
  ResolveAlertsResponse,
} from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { AlertsService } from './alerts.service';
import * as dto from './dto/alert-response.dto';
import {
  AcknowledgeAlertsDto,
  AlertQueryDto,
  DeviceAlertCountQueryDto,
  ResolveAlertsDto,
} from './dto/alert.dto';

@ApiTags('alerts')
@Controller('alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @ApiRoute('List alerts, newest first, filtered by state, severity, source, device or check', {
    type: PageOf(dto.AlertResponse),
  })
  @Get()
  list(@Query() q: AlertQueryDto): Promise<Page<AlertResponse>> {
    return this.alerts.list(q);
  }

  @ApiRoute('Acknowledge firing alerts (several at once); each is audited', {
    type: dto.AcknowledgeAlertsResponse,
    errors: [400, 404],
  })
  @Post('acknowledge')
  @Roles('technician')
  @HttpCode(200)
  acknowledge(
    @CurrentActor() actor: Actor,
    @Body() body: AcknowledgeAlertsDto,
  ): Promise<AcknowledgeAlertsResponse> {
    return this.alerts.acknowledge(actor, body.ids);
  }

  @ApiRoute('Resolve open alerts by hand (several at once); one audit entry per request', {
    type: dto.ResolveAlertsResponse,
    errors: [400, 404],
  })
  @Post('resolve')
  @Roles('technician')
  @HttpCode(200)
  resolve(
    @CurrentActor() actor: Actor,
    @Body() body: ResolveAlertsDto,
  ): Promise<ResolveAlertsResponse> {
    return this.alerts.resolve(actor, body.ids);
  }

  @ApiRoute('Open alerts by state and severity', { type: dto.AlertSummaryResponse })
  @Get('summary')
  summary(): Promise<AlertSummaryResponse> {
    return this.alerts.summary();
  }

  @ApiRoute('Open alerts of each listed device (devices without any are left out)', {
    type: [dto.DeviceAlertCount],
    errors: [400],
  })
  @Get('device-counts')
  deviceCounts(@Query() q: DeviceAlertCountQueryDto): Promise<DeviceAlertCount[]> {
    return this.alerts.deviceCounts(q.deviceIds);
  }

  @ApiRoute('An alert', { type: dto.AlertResponse, errors: [404] })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AlertResponse> {
    return this.alerts.get(id);
  }
}
