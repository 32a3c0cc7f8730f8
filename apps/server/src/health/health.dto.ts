import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';

export class HealthIndicatorDto implements api.HealthIndicator {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiPropertyOptional() message?: string;
}

const byCheck = {
  type: 'object',
  additionalProperties: { $ref: '#/components/schemas/HealthIndicatorDto' },
} as const;

/** `GET /health`, keyed by check name (`database`), for the OpenAPI document. */
export class HealthResponse implements api.HealthResponse {
  @ApiProperty({ enum: ['ok', 'error', 'shutting_down'] }) status!: api.HealthResponse['status'];
  @ApiPropertyOptional(byCheck) info?: Record<string, HealthIndicatorDto>;
  @ApiPropertyOptional(byCheck) error?: Record<string, HealthIndicatorDto>;
  @ApiProperty(byCheck) details!: Record<string, HealthIndicatorDto>;
}
