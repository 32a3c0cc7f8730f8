import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  INSTALLER_TYPES,
  PACKAGE_MANAGERS,
  PACKAGE_NAME_MAX_LENGTH,
  PACKAGE_VERSION_MAX_LENGTH,
  SOFTWARE_LIMITS,
} from '@fleetdesk/api-types';
import { IsNestedList, IsOmittable, Trim } from '../../common/validators';

// Shapes only; the per-manager name and version syntax (libs/api-types packages.ts) is
// checked in the service, so each refusal names the manager and the rule.

export class SoftwarePackageDto implements api.SoftwarePackageRef {
  @ApiProperty({ enum: PACKAGE_MANAGERS, enumName: 'PackageManager' })
  @IsIn(PACKAGE_MANAGERS)
  manager!: api.PackageManager;

  @ApiProperty({ description: "The package's name for this manager, e.g. 7zip.7zip for winget" })
  @IsString()
  @MinLength(1)
  @MaxLength(PACKAGE_NAME_MAX_LENGTH)
  name!: string;

  @ApiPropertyOptional({
    description: 'Install pin: install this version (where the manager can choose one)',
  })
  @IsOmittable()
  @IsString()
  @MinLength(1)
  @MaxLength(PACKAGE_VERSION_MAX_LENGTH)
  version?: string;
}

export class CreateSoftwareTitleDto implements api.CreateSoftwareTitleRequest {
  @ApiProperty({ maxLength: SOFTWARE_LIMITS.titleNameLength })
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(SOFTWARE_LIMITS.titleNameLength)
  name!: string;

  @ApiPropertyOptional({ maxLength: SOFTWARE_LIMITS.publisherLength })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(SOFTWARE_LIMITS.publisherLength)
  publisher?: string;

  @ApiProperty({ type: [SoftwarePackageDto], description: 'One package per manager' })
  @IsNestedList(() => SoftwarePackageDto)
  @ArrayMaxSize(SOFTWARE_LIMITS.packagesPerTitle)
  packages!: SoftwarePackageDto[];
}

export class UpdateSoftwareTitleDto implements api.UpdateSoftwareTitleRequest {
  @ApiPropertyOptional({ maxLength: SOFTWARE_LIMITS.titleNameLength })
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(SOFTWARE_LIMITS.titleNameLength)
  name?: string;

  @ApiPropertyOptional({ maxLength: SOFTWARE_LIMITS.publisherLength })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(SOFTWARE_LIMITS.publisherLength)
  publisher?: string;

  @ApiPropertyOptional({ type: [SoftwarePackageDto] })
  @IsOmittable()
  @IsNestedList(() => SoftwarePackageDto)
  @ArrayMaxSize(SOFTWARE_LIMITS.packagesPerTitle)
  packages?: SoftwarePackageDto[];
}

/** Query of `POST /api/software/installers`: the body is the file's bytes. */
export class UploadInstallerQueryDto {
  @ApiProperty({
    description: `Shown only, never used as a path; its extension picks the type (${INSTALLER_TYPES.join(', ')})`,
  })
  @IsString()
  @MinLength(1)
  @MaxLength(SOFTWARE_LIMITS.fileNameLength)
  fileName!: string;

  @ApiPropertyOptional({
    type: [String],
    description: 'Silent-install arguments for .msi and .exe, one per repeated parameter',
  })
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? [value] : value))
  @IsArray()
  @ArrayMaxSize(SOFTWARE_LIMITS.silentArgs)
  @IsString({ each: true })
  silentArgs?: string[];
}

export class SoftwareTitleResponseDto implements api.SoftwareTitleResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) publisher!: string | null;
  @ApiProperty({ type: [SoftwarePackageDto] }) packages!: SoftwarePackageDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class InstallerCreatorDto {
  @ApiProperty({ type: String, nullable: true, format: 'uuid' }) id!: string | null;
  @ApiProperty({ type: String, nullable: true }) email!: string | null;
}

export class SoftwareInstallerResponseDto implements api.SoftwareInstallerResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() fileName!: string;
  @ApiProperty({ enum: INSTALLER_TYPES, enumName: 'InstallerType' }) type!: api.InstallerType;
  @ApiProperty() sha256!: string;
  @ApiProperty({ type: 'integer' }) size!: number;
  @ApiProperty({ type: [String] }) silentArgs!: string[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: InstallerCreatorDto }) createdBy!: InstallerCreatorDto;
}
