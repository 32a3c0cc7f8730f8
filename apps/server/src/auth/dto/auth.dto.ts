import { IsOmittable, Trim, TrimLower } from '../../common/validators';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsInt, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { CreateUserDto, UserResponse } from '../../users/dto/user.dto';
import { OmitType } from '@nestjs/swagger';
import type * as api from '@fleetdesk/api-types';
import { API_TOKEN_LIMITS, NAME_MAX_LENGTH } from '@fleetdesk/api-types';

export class LoginDto implements api.LoginRequest {
  @ApiProperty({ example: 'admin@example.com' })
  @TrimLower()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password!: string;
}

export class LoginResponse implements api.LoginResponse {
  @ApiProperty() accessToken!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty({ type: UserResponse }) user!: UserResponse;
}

export class SetupDto
  extends OmitType(CreateUserDto, ['role'] as const)
  implements api.SetupRequest
{
  @ApiProperty({ description: 'The one-time token printed in the server log at first start' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  setupToken!: string;
}

export class SetupStatusResponse implements api.SetupStatusResponse {
  @ApiProperty() needsSetup!: boolean;
}

export class CreateApiTokenDto implements api.CreateApiTokenRequest {
  @ApiProperty({ example: 'nightly export' })
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(NAME_MAX_LENGTH)
  name!: string;

  @ApiPropertyOptional({
    minimum: API_TOKEN_LIMITS.expiresInDays.min,
    maximum: API_TOKEN_LIMITS.expiresInDays.max,
    description: 'Days until it expires; omit for no expiry',
  })
  @IsOmittable()
  @IsInt()
  @Min(API_TOKEN_LIMITS.expiresInDays.min)
  @Max(API_TOKEN_LIMITS.expiresInDays.max)
  expiresInDays?: number;
}

export class ApiTokenResponse implements api.ApiTokenResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'First characters of the secret' }) prefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
}

export class CreatedApiTokenResponse
  extends ApiTokenResponse
  implements api.CreatedApiTokenResponse
{
  @ApiProperty({ description: 'The secret. It is shown this once and never again.' })
  token!: string;
}
