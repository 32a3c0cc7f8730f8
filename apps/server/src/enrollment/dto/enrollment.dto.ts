import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { ENROLLMENT_TOKEN_LIMITS, exhaustiveList, NAME_MAX_LENGTH } from '@fleetdesk/api-types';
import { IsNestedObject, IsOmittable, IsTagList, Trim } from '../../common/validators';
import type { EnrollmentTokenEntity } from '../enrollment-token.entity';

const HOURS = ENROLLMENT_TOKEN_LIMITS.expiresInHours;
const USES = ENROLLMENT_TOKEN_LIMITS.maxUses;
const RATE = ENROLLMENT_TOKEN_LIMITS.ratePerMinute;

const TOKEN_STATES = exhaustiveList<api.EnrollmentTokenState>()([
  'active',
  'expired',
  'used_up',
  'revoked',
]);

export class CreateEnrollmentTokenDto implements api.CreateEnrollmentTokenRequest {
  @ApiProperty({ example: 'Paris office laptops' })
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  name!: string;

  @ApiPropertyOptional({
    minimum: HOURS.min,
    maximum: HOURS.max,
    default: HOURS.default,
  })
  @IsOmittable()
  @IsInt()
  @Min(HOURS.min)
  @Max(HOURS.max)
  expiresInHours: number = HOURS.default;

  @ApiPropertyOptional({
    minimum: USES.min,
    maximum: USES.max,
    description: 'Omit for unlimited uses until expiry',
  })
  @IsOmittable()
  @IsInt()
  @Min(USES.min)
  @Max(USES.max)
  maxUses?: number;

  @ApiPropertyOptional({
    minimum: RATE.min,
    maximum: RATE.max,
    default: RATE.default,
    description:
      'Enrollments admitted per minute: a burst of this many, then this many a minute; more get 429 with Retry-After',
  })
  @IsOmittable()
  @IsInt()
  @Min(RATE.min)
  @Max(RATE.max)
  ratePerMinute: number = RATE.default;

  @IsOmittable()
  @IsTagList()
  tags?: string[];

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOmittable()
  @IsUUID()
  groupId?: string;
}

export class EnrollmentTokenResponse implements api.EnrollmentTokenResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() prefix!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ nullable: true, type: Number }) maxUses!: number | null;
  @ApiProperty() uses!: number;
  @ApiProperty() ratePerMinute!: number;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ nullable: true, type: String }) groupId!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ enum: TOKEN_STATES }) state!: api.EnrollmentTokenState;
}

export class CreatedEnrollmentTokenResponse
  extends EnrollmentTokenResponse
  implements api.CreatedEnrollmentTokenResponse
{
  @ApiProperty({ description: 'The secret, shown this once' }) token!: string;
  @ApiProperty({
    description:
      "SHA-256 of the server's Ed25519 public key (DER SPKI), lowercase hex: the agent's --server-key-sha256",
  })
  serverKeySha256!: string;
}

export function toEnrollmentTokenResponse(t: EnrollmentTokenEntity): EnrollmentTokenResponse {
  const state = t.revokedAt
    ? 'revoked'
    : t.expiresAt.getTime() <= Date.now()
      ? 'expired'
      : t.maxUses !== null && t.uses >= t.maxUses
        ? 'used_up'
        : 'active';
  return {
    id: t.id,
    name: t.name,
    prefix: t.tokenPrefix,
    expiresAt: t.expiresAt.toISOString(),
    maxUses: t.maxUses,
    uses: t.uses,
    ratePerMinute: t.ratePerMinute,
    tags: t.defaultTags,
    groupId: t.defaultGroupId,
    createdAt: t.createdAt.toISOString(),
    revokedAt: t.revokedAt?.toISOString() ?? null,
    state,
  };
}

class EnrollOsDto {
  @IsString() @MaxLength(32) platform!: string;
  @IsString() @MaxLength(128) distro!: string;
  @IsString() @MaxLength(128) release!: string;
  @IsString() @MaxLength(32) arch!: string;
}

class EnrollFactsDto {
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  hostname!: string;

  @IsNestedObject(() => EnrollOsDto)
  os!: EnrollOsDto;

  @IsString()
  @MaxLength(64)
  agentVersion!: string;
}

export class EnrollDto {
  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  token!: string;

  @ApiProperty({ description: 'Ed25519 public key, SPKI PEM' })
  @IsString()
  @MaxLength(1000)
  publicKey!: string;

  @ApiProperty()
  @IsNestedObject(() => EnrollFactsDto)
  facts!: EnrollFactsDto;
}

export class EnrollResponse implements api.EnrollResponse {
  @ApiProperty() deviceId!: string;
  @ApiProperty() serverPublicKey!: string;
  @ApiProperty() heartbeatIntervalMs!: number;
}
