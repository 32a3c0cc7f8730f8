import { ApiProperty } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import { ALERT_SEVERITIES, CHANNEL_KINDS, DELIVERY_STATUSES } from '@fleetdesk/api-types';

// Response shapes of the notification routes, for the OpenAPI document; each implements its
// libs/api-types interface so the two cannot drift.

const nullableString = { type: String, nullable: true } as const;

export class ChannelRouting implements api.ChannelRouting {
  @ApiProperty({ enum: ALERT_SEVERITIES }) minSeverity!: api.AlertSeverity;
  @ApiProperty({ type: [String] }) groupIds!: string[];
  @ApiProperty({ type: [String] }) tags!: string[];
}

export class ChannelResponse implements api.ChannelResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: CHANNEL_KINDS }) kind!: api.ChannelKind;
  @ApiProperty({ ...nullableString, description: 'Shortened: the full URL is not shown again' })
  url!: string | null;
  @ApiProperty({ type: [String] }) emailTo!: string[];
  @ApiProperty({ type: ChannelRouting }) routing!: ChannelRouting;
  @ApiProperty({ type: 'integer' }) digestSeconds!: number;
  @ApiProperty() enabled!: boolean;
  @ApiProperty() createdAt!: string;
}

export class CreatedChannelResponse extends ChannelResponse implements api.CreatedChannelResponse {
  @ApiProperty({
    ...nullableString,
    description: 'HMAC-SHA256 key of the signature header; shown only at creation',
  })
  signingSecret!: string | null;
}

export class DeliveryAttempt implements api.DeliveryAttempt {
  @ApiProperty() at!: string;
  @ApiProperty() ok!: boolean;
  @ApiProperty({ type: 'integer', nullable: true }) code!: number | null;
  @ApiProperty(nullableString) error!: string | null;
  @ApiProperty({ type: 'integer' }) durationMs!: number;
}

export class DeliveryResponse implements api.DeliveryResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) channelId!: string;
  @ApiProperty({ enum: DELIVERY_STATUSES }) status!: api.DeliveryStatus;
  @ApiProperty({ type: 'integer' }) events!: number;
  @ApiProperty() test!: boolean;
  @ApiProperty() summary!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty(nullableString) deliveredAt!: string | null;
  @ApiProperty(nullableString) nextAttemptAt!: string | null;
  @ApiProperty({ type: [DeliveryAttempt] }) attempts!: DeliveryAttempt[];
}
