import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { LOG_COLLECTION_RULES as R } from '@fleetdesk/api-types';
import { IsOmittable } from '../../common/validators';

export class UpdateLogSettingsDto implements api.UpdateLogCollectionSettingsRequest {
  @ApiPropertyOptional({ type: [String], description: 'Path globs that may be collected' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(R.globs)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(1024, { each: true })
  allow?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'Path globs never collected (wins over allow)',
  })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(R.globs)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(1024, { each: true })
  deny?: string[];

  @ApiPropertyOptional({ minimum: R.maxBundleBytes.min, maximum: R.maxBundleBytes.max })
  @IsOmittable()
  @IsInt()
  @Min(R.maxBundleBytes.min)
  @Max(R.maxBundleBytes.max)
  maxBundleBytes?: number;

  @ApiPropertyOptional({ minimum: R.maxTotalBytes.min, maximum: R.maxTotalBytes.max })
  @IsOmittable()
  @IsInt()
  @Min(R.maxTotalBytes.min)
  @Max(R.maxTotalBytes.max)
  maxTotalBytes?: number;

  @ApiPropertyOptional({ minimum: R.retentionDays.min, maximum: R.retentionDays.max })
  @IsOmittable()
  @IsInt()
  @Min(R.retentionDays.min)
  @Max(R.retentionDays.max)
  retentionDays?: number;
}

export class LogSettingsResponse implements api.LogCollectionSettings {
  @ApiProperty({ type: [String] }) allow!: string[];
  @ApiProperty({ type: [String] }) deny!: string[];
  @ApiProperty({ type: 'integer' }) maxBundleBytes!: number;
  @ApiProperty({ type: 'integer' }) maxTotalBytes!: number;
  @ApiProperty({ type: 'integer' }) retentionDays!: number;
  @ApiProperty({ type: String, nullable: true }) updatedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) updatedBy!: string | null;
}
