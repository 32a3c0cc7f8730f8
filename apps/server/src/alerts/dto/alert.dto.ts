import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsUUID } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  ALERT_SEVERITIES,
  ALERT_SOURCES,
  ALERT_STATES,
  MONITORING_LIMITS,
} from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { commaList, IsOmittable } from '../../common/validators';

export class AlertQueryDto extends PageQueryDto implements api.AlertListQuery {
  @ApiPropertyOptional({ description: `Comma-separated: ${ALERT_STATES.join(', ')}` })
  @IsOmittable()
  @Transform(commaList)
  @IsArray()
  @IsIn(ALERT_STATES, { each: true })
  state?: api.AlertState[];

  @ApiPropertyOptional({ description: `Comma-separated: ${ALERT_SEVERITIES.join(', ')}` })
  @IsOmittable()
  @Transform(commaList)
  @IsArray()
  @IsIn(ALERT_SEVERITIES, { each: true })
  severity?: api.AlertSeverity[];

  @ApiPropertyOptional({ enum: ALERT_SOURCES })
  @IsOmittable()
  @IsIn(ALERT_SOURCES)
  source?: api.AlertSource;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  deviceId?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  checkId?: string;
}

export class AcknowledgeAlertsDto implements api.AcknowledgeAlertsRequest {
  @ApiProperty({ type: [String], format: 'uuid', maxItems: MONITORING_LIMITS.ackBatch })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MONITORING_LIMITS.ackBatch)
  @IsUUID('all', { each: true })
  ids!: string[];
}

export class ResolveAlertsDto implements api.ResolveAlertsRequest {
  @ApiProperty({ type: [String], format: 'uuid', maxItems: MONITORING_LIMITS.ackBatch })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MONITORING_LIMITS.ackBatch)
  @IsUUID('all', { each: true })
  ids!: string[];
}

export class DeviceAlertCountQueryDto {
  @ApiProperty({
    description: `Comma-separated device ids, at most ${MONITORING_LIMITS.countDevices}`,
  })
  @Transform(commaList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MONITORING_LIMITS.countDevices)
  @IsUUID('all', { each: true })
  deviceIds!: string[];
}
