import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { DeviceMetricsResponse } from '@fleetdesk/api-types';
import { ApiRoute } from '../common/api-docs';
import { DevicesService } from '../devices/devices.service';
import * as dto from './dto/metrics.dto';
import { MetricsHistoryService } from './metrics-history.service';

@ApiTags('devices')
@Controller('devices')
export class MetricsHistoryController {
  constructor(
    private readonly metrics: MetricsHistoryService,
    private readonly devices: DevicesService,
  ) {}

  @ApiRoute('A device’s heartbeat metrics over time (1-minute or 15-minute buckets)', {
    type: dto.DeviceMetricsResponse,
    errors: [400, 404],
  })
  @Get(':id/metrics')
  async series(
    @Param('id', ParseUUIDPipe) id: string,
    @Query() q: dto.DeviceMetricsQueryDto,
  ): Promise<DeviceMetricsResponse> {
    // An unknown device is a 404, not an empty chart.
    await this.devices.get(id);
    return this.metrics.series(id, {
      from: q.from?.toISOString(),
      to: q.to?.toISOString(),
      resolution: q.resolution,
    });
  }
}
