import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { ALERT_SEVERITIES, CHANNEL_KINDS, MONITORING_LIMITS as L } from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable, IsTagList, Trim } from '../../common/validators';

export class ChannelRoutingDto implements Partial<api.ChannelRouting> {
  @ApiPropertyOptional({ enum: ALERT_SEVERITIES, default: 'warning' })
  @IsOmittable()
  @IsIn(ALERT_SEVERITIES)
  minSeverity?: api.AlertSeverity;

  @ApiPropertyOptional({ type: [String], format: 'uuid', description: 'Empty: any group' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(L.filterGroups)
  @IsUUID('all', { each: true })
  groupIds?: string[];

  @IsOmittable()
  @IsTagList(L.filterTags)
  tags?: string[];
}

export class CreateChannelDto implements api.ChannelRequest {
  @ApiProperty()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(L.nameLength)
  name!: string;

  @ApiProperty({ enum: CHANNEL_KINDS })
  @IsIn(CHANNEL_KINDS)
  kind!: api.ChannelKind;

  @ApiPropertyOptional({ description: 'webhook, slack, teams: the http(s) URL to POST to' })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(L.urlLength)
  url?: string;

  @ApiPropertyOptional({ type: [String], description: 'email: the recipients' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(L.emailRecipients)
  @IsEmail({}, { each: true })
  emailTo?: string[];

  @ApiPropertyOptional({ type: ChannelRoutingDto })
  @IsOmittable()
  @IsNestedObject(() => ChannelRoutingDto)
  routing?: ChannelRoutingDto;

  @ApiPropertyOptional({ minimum: L.digestSeconds.min, maximum: L.digestSeconds.max })
  @IsOmittable()
  @IsInt()
  @Min(L.digestSeconds.min)
  @Max(L.digestSeconds.max)
  digestSeconds?: number;

  @ApiPropertyOptional({ default: true })
  @IsOmittable()
  @IsBoolean()
  enabled?: boolean;
}

/** The kind of a channel is fixed once created. */
export class UpdateChannelDto extends PartialType(CreateChannelDto) {}
