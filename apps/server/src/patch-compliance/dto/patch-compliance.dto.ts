import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsString, MaxLength } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { DEVICE_STATUSES, PACKAGE_MANAGERS } from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { IsOmittable } from '../../common/validators';

export class PatchComplianceQueryDto extends PageQueryDto implements api.PatchComplianceQuery {
  @ApiPropertyOptional({ description: 'OS platform, e.g. linux, darwin, win32' })
  @IsOmittable()
  @IsString()
  @MaxLength(32)
  os?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Only devices with a pending update' })
  @IsOmittable()
  // A query string carries text: only the two spellings of a boolean are one.
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'pendingOnly must be true or false' })
  pendingOnly?: boolean;
}

export class PatchComplianceRowDto implements api.PatchComplianceRow {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ description: 'Display name, else the hostname' }) name!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ enum: DEVICE_STATUSES }) status!: api.DeviceStatus;
  @ApiProperty({ type: String, nullable: true }) osPlatform!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Null until the device reports' })
  securityCount!: number | null;
  @ApiProperty({ type: Number, nullable: true }) otherCount!: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) rebootRequired!: boolean | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  lastUpdateRunAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) reportedAt!: string | null;
}

export class PatchComplianceSummaryDto implements api.PatchComplianceSummary {
  @ApiProperty() reporting!: number;
  @ApiProperty() withSecurity!: number;
  @ApiProperty() withPending!: number;
  @ApiProperty() rebootRequired!: number;
}

export class PatchCompliancePageDto implements api.PatchCompliancePage {
  @ApiProperty({ type: [PatchComplianceRowDto] }) items!: PatchComplianceRowDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty({ type: PatchComplianceSummaryDto }) summary!: PatchComplianceSummaryDto;
}

export class PendingUpdateDto implements api.PendingUpdate {
  @ApiProperty({ enum: PACKAGE_MANAGERS }) manager!: api.PackageManager;
  @ApiProperty() name!: string;
  @ApiPropertyOptional() current?: string;
  @ApiProperty() available!: string;
  @ApiPropertyOptional({ description: 'Absent where the manager does not say' })
  security?: boolean;
}

export class DevicePatchStatusDto extends PatchComplianceRowDto implements api.DevicePatchStatus {
  @ApiProperty({ enum: PACKAGE_MANAGERS, isArray: true }) managers!: api.PackageManager[];
  @ApiProperty({ type: [PendingUpdateDto], description: 'Security updates first, then by name' })
  pending!: PendingUpdateDto[];
}
