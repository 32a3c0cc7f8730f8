import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { METRICS_RESOLUTIONS } from '@fleetdesk/api-types';
import { IsOmittable, IsTimestampQuery } from '../../common/validators';

export class DeviceMetricsQueryDto {
  @ApiPropertyOptional({ description: 'ISO 8601; default: a day before `to`' })
  @IsOmittable()
  @IsTimestampQuery('from')
  from?: Date;

  @ApiPropertyOptional({ description: 'ISO 8601; default: now' })
  @IsOmittable()
  @IsTimestampQuery('to')
  to?: Date;

  @ApiPropertyOptional({ enum: METRICS_RESOLUTIONS, description: 'Default: the finest stored' })
  @IsOmittable()
  @IsIn(METRICS_RESOLUTIONS)
  resolution?: api.MetricsResolution;
}

export class MetricPoint implements api.MetricPoint {
  @ApiProperty() at!: string;
  @ApiProperty({ type: 'integer' }) samples!: number;
  @ApiProperty() cpuAvg!: number;
  @ApiProperty() cpuMax!: number;
  @ApiProperty() memAvg!: number;
  @ApiProperty() memMax!: number;
  @ApiProperty({ type: Number, nullable: true }) diskMax!: number | null;
  @ApiProperty() loadAvg!: number;
}

export class DeviceMetricsResponse implements api.DeviceMetricsResponse {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ enum: METRICS_RESOLUTIONS }) resolution!: api.MetricsResolution;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [MetricPoint] }) points!: MetricPoint[];
}
