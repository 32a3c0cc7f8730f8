import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AcknowledgeAlertsResponse, AlertResponse, Page } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute, PageOf } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { AlertsService } from './alerts.service';
import * as dto from './dto/alert-response.dto';
import { AcknowledgeAlertsDto, AlertQueryDto } from './dto/alert.dto';

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

  @ApiRoute('An alert', { type: dto.AlertResponse, errors: [404] })
  @Get(':id')
  get(@Param('id', ParseUUIDPipe) id: string): Promise<AlertResponse> {
    return this.alerts.get(id);
  }
}
