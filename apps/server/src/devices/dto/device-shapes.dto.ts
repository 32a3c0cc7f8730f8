import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import { SOFTWARE_SOURCES } from '@fleetdesk/protocol';

// Nested response shapes of the device routes, for the OpenAPI document. Each implements its
// libs/api-types interface so the document cannot drift from what the console reads.

export class DeviceOsDto {
  @ApiProperty({ description: 'process.platform style: linux, darwin, win32 …' })
  platform!: string;
  @ApiProperty() distro!: string;
  @ApiProperty() release!: string;
  @ApiProperty({ description: 'process.arch style: x64, arm64 …' }) arch!: string;
}

export class DeviceGroupRefDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class MemoryUsageDto implements api.MemoryUsage {
  @ApiProperty() totalBytes!: number;
  @ApiProperty() usedBytes!: number;
}

export class DiskUsageDto implements api.DiskUsage {
  @ApiProperty() mount!: string;
  @ApiProperty() totalBytes!: number;
  @ApiProperty() usedBytes!: number;
  @ApiPropertyOptional({
    description: "free to ordinary processes (df's Avail); absent from older agents",
  })
  availableBytes?: number;
}

export class DeviceMetricsDto implements api.DeviceMetrics {
  @ApiProperty({ description: '0..100, across all cores' }) cpuPercent!: number;
  @ApiProperty({ type: MemoryUsageDto }) memory!: MemoryUsageDto;
  @ApiProperty({ type: [DiskUsageDto] }) disks!: DiskUsageDto[];
  @ApiProperty({
    type: [Number],
    minItems: 3,
    maxItems: 3,
    description: '1, 5 and 15 minute load averages (zeros on Windows)',
  })
  load!: [number, number, number];
  @ApiProperty() uptimeSeconds!: number;
  @ApiProperty({ format: 'date-time', description: 'When the server received it' }) at!: string;
}

export class OsInfoDto extends DeviceOsDto implements api.OsInfo {
  @ApiProperty() kernel!: string;
}

export class CpuInfoDto implements api.CpuInfo {
  @ApiProperty() model!: string;
  @ApiProperty({ type: 'integer', description: 'Logical cores; 0 when unknown' }) cores!: number;
}

export class DiskInfoDto implements api.DiskInfo {
  @ApiProperty() device!: string;
  @ApiProperty() mount!: string;
  @ApiProperty() fsType!: string;
  @ApiProperty() sizeBytes!: number;
}

export class NetworkInterfaceInfoDto implements api.NetworkInterfaceInfo {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Lowercase, colon separated' }) mac!: string;
  @ApiProperty({ type: [String] }) ipv4!: string[];
  @ApiProperty({ type: [String] }) ipv6!: string[];
}

export class LoggedInUserDto implements api.LoggedInUser {
  @ApiProperty() name!: string;
  @ApiPropertyOptional() tty?: string;
  @ApiPropertyOptional({ description: 'Epoch ms, as the agent reported it' }) loginAt?: number;
}

export class DeviceInventoryDto implements api.DeviceInventory {
  @ApiProperty({ type: OsInfoDto }) os!: OsInfoDto;
  @ApiProperty() hostname!: string;
  @ApiProperty({ type: CpuInfoDto }) cpu!: CpuInfoDto;
  @ApiProperty() memoryBytes!: number;
  @ApiProperty({ type: [DiskInfoDto] }) disks!: DiskInfoDto[];
  @ApiProperty({ type: [NetworkInterfaceInfoDto] }) network!: NetworkInterfaceInfoDto[];
  @ApiProperty({ type: [LoggedInUserDto] }) users!: LoggedInUserDto[];
  @ApiProperty({ format: 'date-time', description: "By the agent's clock" })
  collectedAt!: string;
  @ApiProperty({ type: 'integer' }) softwareCount!: number;
}

export class DeviceSoftwareItemDto implements api.DeviceSoftwareItem {
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'May be empty' }) version!: string;
  @ApiProperty({ enum: SOFTWARE_SOURCES, enumName: 'SoftwareSource' })
  source!: api.SoftwareSource;
}
