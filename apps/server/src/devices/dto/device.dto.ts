import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  ValidateIf,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { DEVICE_SORTS, DEVICE_STATUSES, isAgentOutdated } from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { IsOmittable, IsTagList, IsTagName, Trim } from '../../common/validators';
import type { DeviceEntity } from '../device.entity';
import {
  DeviceGroupRefDto,
  DeviceInventoryDto,
  DeviceMetricsDto,
  DeviceOsDto,
} from './device-shapes.dto';

export class DeviceQueryDto extends PageQueryDto implements api.DeviceListQuery {
  @ApiPropertyOptional({ enum: DEVICE_STATUSES })
  @IsOmittable()
  @IsIn(DEVICE_STATUSES)
  status?: api.DeviceStatus;

  @ApiPropertyOptional({ description: 'OS platform, e.g. linux, darwin, win32' })
  @IsOmittable()
  @IsString()
  @MaxLength(32)
  os?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsTagName()
  tag?: string;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  groupId?: string;

  @ApiPropertyOptional({ description: 'Free text on name, hostname and IP addresses' })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional({ enum: DEVICE_SORTS, default: 'name' })
  @IsOmittable()
  @IsIn(DEVICE_SORTS)
  sort: api.DeviceSort = 'name';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOmittable()
  @IsIn(['asc', 'desc'])
  order: api.SortOrder = 'asc';
}

export class UpdateDeviceDto implements api.UpdateDeviceRequest {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Display name; null to show the hostname',
  })
  @IsOptional() // null has a documented meaning here
  @Trim()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  name?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'uuid',
    description: 'Group; null to remove from its group',
  })
  @IsOptional() // null has a documented meaning here
  @ValidateIf((_, v) => v !== null)
  @IsUUID()
  groupId?: string | null;
}

export class DeviceTagsDto implements api.DeviceTagsRequest {
  @IsTagList()
  tags!: string[];
}

export class SoftwareQueryDto extends PageQueryDto implements api.SoftwareListQuery {
  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(100)
  q?: string;
}

export class DeviceResponse implements api.DeviceResponse {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Display name: the technician-given name, else the hostname' })
  displayName!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() hostname!: string;
  @ApiProperty({ enum: DEVICE_STATUSES }) status!: api.DeviceStatus;
  @ApiProperty({ type: DeviceOsDto }) os!: DeviceOsDto;
  @ApiProperty() agentVersion!: string;
  @ApiProperty({ description: 'The server offers a newer agent version than this one' })
  outdated!: boolean;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastIp!: string | null;
  @ApiProperty({ type: [String] }) ipAddresses!: string[];
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: DeviceGroupRefDto, nullable: true }) group!: DeviceGroupRefDto | null;
  @ApiProperty({ type: DeviceMetricsDto, nullable: true }) metrics!: DeviceMetricsDto | null;
  @ApiProperty() enrolledAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({
    description:
      'Reports from this device the database refused and that were dropped (each is in the server log)',
  })
  rejectedReports!: number;
  @ApiProperty({ nullable: true, type: String }) lastRejectedAt!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The device's IANA time zone as its agent reports it; null until it does",
  })
  timeZone!: string | null;
}

export function toDeviceResponse(
  d: DeviceEntity,
  tags: string[],
  group: { id: string; name: string } | null,
  offeredAgentVersion: string | null,
): DeviceResponse {
  return {
    id: d.id,
    displayName: d.name ?? d.hostname,
    name: d.name,
    hostname: d.hostname,
    status: d.revokedAt ? 'revoked' : d.status,
    os: { platform: d.osPlatform, distro: d.osDistro, release: d.osRelease, arch: d.arch },
    agentVersion: d.agentVersion,
    outdated: isAgentOutdated(d.agentVersion, offeredAgentVersion),
    lastSeenAt: d.lastSeenAt?.toISOString() ?? null,
    lastIp: d.lastIp,
    ipAddresses: d.ipAddresses,
    tags,
    group,
    metrics: d.metrics && d.metricsAt ? { ...d.metrics, at: d.metricsAt.toISOString() } : null,
    enrolledAt: d.enrolledAt.toISOString(),
    revokedAt: d.revokedAt?.toISOString() ?? null,
    rejectedReports: d.rejectedReports,
    lastRejectedAt: d.lastRejectedAt?.toISOString() ?? null,
    timeZone: d.timeZone,
  };
}

/** `GET /api/devices/:id`: the device plus its inventory (null until the agent sent one). */
export class DeviceDetailResponse extends DeviceResponse implements api.DeviceDetail {
  @ApiProperty({ type: DeviceInventoryDto, nullable: true }) inventory!: DeviceInventoryDto | null;
}
