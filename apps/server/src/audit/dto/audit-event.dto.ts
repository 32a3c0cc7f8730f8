import { ApiProperty } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import { exhaustiveList } from '@fleetdesk/api-types';

const ACTOR_KINDS = exhaustiveList<api.ActorKind>()([
  'user',
  'system',
  'anonymous',
  'device',
  'enrollment_token',
]);

export class AuditActorDto {
  @ApiProperty({ enum: ACTOR_KINDS, enumName: 'ActorKind' }) kind!: api.ActorKind;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
}

export class AuditTargetDto {
  @ApiProperty() type!: string;
  @ApiProperty({ type: String, nullable: true }) id!: string | null;
}

/** One audit log entry, for the OpenAPI document. */
export class AuditEventResponse implements api.AuditEventResponse {
  @ApiProperty({ description: 'A bigint, hence a string' }) id!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ type: AuditActorDto }) actor!: AuditActorDto;
  @ApiProperty({ description: 'Dotted, e.g. `users.create`' }) action!: string;
  @ApiProperty({ type: AuditTargetDto, nullable: true }) target!: AuditTargetDto | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The target's current name (hostname, job, script, email), or the one recorded",
  })
  targetName!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) sourceIp!: string | null;
}
