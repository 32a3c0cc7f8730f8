import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  ALERT_SEVERITIES,
  MONITORING_LIMITS as L,
  REDIRECT_POLICIES,
  SERVER_LOCATION,
} from '@fleetdesk/api-types';

import { PageQueryDto } from '../../common/pagination';
import { IsNestedObject, IsOmittable, IsTagList, Trim } from '../../common/validators';
import { checkUrlScheme } from '../probe';

const IsCheckUrl = () =>
  ValidateBy({
    name: 'isCheckUrl',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && checkUrlScheme(v) === null,
      defaultMessage: (args) =>
        `url ${typeof args?.value === 'string' ? (checkUrlScheme(args.value) ?? '') : 'must be a string'}`.trim(),
    },
  });

/** The devices a check also runs from: named, by group, by tag (as agent checks choose). */
export class WebsiteCheckRunFromDto implements Partial<api.WebsiteCheckRunFrom> {
  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(L.runFromIds)
  @IsUUID('all', { each: true })
  deviceIds?: string[];

  @ApiPropertyOptional({ type: [String] })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(L.runFromIds)
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @IsOmittable()
  @IsTagList(L.filterTags)
  tags?: string[];
}

export class CreateWebsiteCheckDto implements api.WebsiteCheckRequest {
  @ApiProperty()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(L.nameLength)
  name!: string;

  @ApiProperty({ description: 'http:// or https:// only; no credentials in the URL' })
  @Trim()
  @IsString()
  @MaxLength(L.urlLength)
  @IsCheckUrl()
  url!: string;

  @ApiPropertyOptional({ default: 200, minimum: 100, maximum: 599 })
  @IsOmittable()
  @IsInt()
  @Min(100)
  @Max(599)
  expectedStatus?: number;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'null: no limit' })
  @IsOptional()
  @IsInt()
  @Min(L.latencyLimitMs.min)
  @Max(L.latencyLimitMs.max)
  latencyLimitMs?: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.bodyMatchLength)
  bodyContains?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(L.bodyMatchLength)
  bodyNotContains?: string | null;

  @ApiPropertyOptional({ enum: REDIRECT_POLICIES, default: 'follow' })
  @IsOmittable()
  @IsIn(REDIRECT_POLICIES)
  redirectPolicy?: api.RedirectPolicy;

  @ApiPropertyOptional({ minimum: L.maxRedirects.min, maximum: L.maxRedirects.max })
  @IsOmittable()
  @IsInt()
  @Min(L.maxRedirects.min)
  @Max(L.maxRedirects.max)
  maxRedirects?: number;

  @ApiPropertyOptional({ minimum: L.certWarnDays.min, maximum: L.certWarnDays.max })
  @IsOmittable()
  @IsInt()
  @Min(L.certWarnDays.min)
  @Max(L.certWarnDays.max)
  certWarnDays?: number;

  @ApiPropertyOptional({ minimum: L.intervalSeconds.min, maximum: L.intervalSeconds.max })
  @IsOmittable()
  @IsInt()
  @Min(L.intervalSeconds.min)
  @Max(L.intervalSeconds.max)
  intervalSeconds?: number;

  @ApiPropertyOptional({ minimum: L.timeoutMs.min, maximum: L.timeoutMs.max })
  @IsOmittable()
  @IsInt()
  @Min(L.timeoutMs.min)
  @Max(L.timeoutMs.max)
  timeoutMs?: number;

  @ApiPropertyOptional({ minimum: L.threshold.min, maximum: L.threshold.max })
  @IsOmittable()
  @IsInt()
  @Min(L.threshold.min)
  @Max(L.threshold.max)
  failThreshold?: number;

  @ApiPropertyOptional({ minimum: L.threshold.min, maximum: L.threshold.max })
  @IsOmittable()
  @IsInt()
  @Min(L.threshold.min)
  @Max(L.threshold.max)
  successThreshold?: number;

  @ApiPropertyOptional({ enum: ALERT_SEVERITIES, default: 'critical' })
  @IsOmittable()
  @IsIn(ALERT_SEVERITIES)
  severity?: api.AlertSeverity;

  @IsOmittable()
  @IsTagList(L.filterTags)
  tags?: string[];

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: WebsiteCheckRunFromDto,
    nullable: true,
    description: 'Devices that also run the check, to see the site from inside their network',
  })
  @IsOptional()
  @IsNestedObject(() => WebsiteCheckRunFromDto)
  runFrom?: WebsiteCheckRunFromDto | null;
}

export class UpdateWebsiteCheckDto extends PartialType(CreateWebsiteCheckDto) {}

export class WebsiteCheckResultsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    description: `"${SERVER_LOCATION}" or a device id: that location's results only; absent: all`,
  })
  @IsOmittable()
  @IsString()
  @Matches(
    new RegExp(
      `^(${SERVER_LOCATION}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`,
    ),
    { message: `location must be "${SERVER_LOCATION}" or a device id` },
  )
  location?: string;
}
