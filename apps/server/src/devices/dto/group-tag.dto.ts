import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength, MinLength } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { IsOmittable, IsTagName, Trim } from '../../common/validators';

export class CreateGroupDto implements api.CreateGroupRequest {
  @ApiProperty({ example: 'Paris office' })
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateGroupDto implements api.UpdateGroupRequest {
  @ApiPropertyOptional()
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class CreateTagDto implements api.CreateTagRequest {
  @ApiProperty({ example: 'web' })
  @IsTagName()
  name!: string;
}

export class GroupResponse implements api.GroupResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: 'integer' }) deviceCount!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

export class TagResponse implements api.TagResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Lowercase' }) name!: string;
  @ApiProperty({ type: 'integer' }) deviceCount!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}
