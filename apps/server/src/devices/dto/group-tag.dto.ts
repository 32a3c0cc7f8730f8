import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { IsTagName, Trim } from '../../common/validators';

export class CreateGroupDto {
  @ApiProperty({ example: 'Paris office' })
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateGroupDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class CreateTagDto {
  @ApiProperty({ example: 'web' })
  @IsTagName()
  name!: string;
}

export interface GroupResponse {
  id: string;
  name: string;
  description: string;
  deviceCount: number;
  createdAt: string;
}

export interface TagResponse {
  id: string;
  name: string;
  deviceCount: number;
  createdAt: string;
}
