import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  registerDecorator,
  type ValidationOptions,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  DEVICE_STATUSES,
  SOFTWARE_NAME_MATCHES,
  SOFTWARE_PRESENCES,
  SOFTWARE_SOURCES,
  softwareNamesProblem,
} from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { IsOmittable, Trim } from '../../common/validators';

/** The `name` parameter: comma-separated package names, by the shared rule. */
function IsSoftwareNames(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isSoftwareNames',
      target: target.constructor,
      propertyName,
      options,
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && softwareNamesProblem(value) === null,
        defaultMessage: (args) =>
          typeof args?.value === 'string'
            ? (softwareNamesProblem(args.value) ?? 'invalid name')
            : 'name must be a string of comma-separated package names',
      },
    });
}

const NAME_DOC = {
  description:
    'Package names, comma-separated (one title often has one per manager: 7zip.7zip,p7zip-full); case is ignored',
  example: '7zip.7zip,7zip,p7zip-full',
};

const OS_DOC = { description: 'OS platform, e.g. linux, darwin, win32' };

export class SoftwareVersionsQueryDto implements api.SoftwareVersionsQuery {
  @ApiProperty(NAME_DOC)
  @IsSoftwareNames()
  name!: string;

  @ApiPropertyOptional({ enum: SOFTWARE_NAME_MATCHES, default: 'exact' })
  @IsOmittable()
  @IsIn(SOFTWARE_NAME_MATCHES)
  match: api.SoftwareNameMatch = 'exact';

  @ApiPropertyOptional(OS_DOC)
  @IsOmittable()
  @IsString()
  @MaxLength(32)
  os?: string;
}

export class SoftwareDevicesQueryDto extends PageQueryDto implements api.SoftwareDevicesQuery {
  @ApiProperty(NAME_DOC)
  @IsSoftwareNames()
  name!: string;

  @ApiPropertyOptional({ enum: SOFTWARE_NAME_MATCHES, default: 'exact' })
  @IsOmittable()
  @IsIn(SOFTWARE_NAME_MATCHES)
  match: api.SoftwareNameMatch = 'exact';

  @ApiPropertyOptional({ enum: SOFTWARE_PRESENCES, default: 'installed' })
  @IsOmittable()
  @IsIn(SOFTWARE_PRESENCES)
  presence: api.SoftwarePresence = 'installed';

  @ApiPropertyOptional({ description: 'Only devices running exactly this version' })
  @IsOmittable()
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'version cannot contain control characters' })
  version?: string;

  @ApiPropertyOptional(OS_DOC)
  @IsOmittable()
  @IsString()
  @MaxLength(32)
  os?: string;

  @ApiPropertyOptional({ enum: SOFTWARE_SOURCES })
  @IsOmittable()
  @IsIn(SOFTWARE_SOURCES)
  source?: api.SoftwareSource;
}

export class SoftwareNamesQueryDto {
  @ApiProperty({ description: 'The start of a package name (case is ignored)', example: '7' })
  @Trim()
  @IsString()
  @MinLength(1)
  @MaxLength(255)
  // eslint-disable-next-line no-control-regex
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { message: 'prefix cannot contain control characters' })
  prefix!: string;
}

export class SoftwareDeviceRowDto implements api.SoftwareDeviceRow {
  @ApiProperty({ format: 'uuid' }) deviceId!: string;
  @ApiProperty({ description: 'Display name, else the hostname' }) name!: string;
  @ApiProperty() hostname!: string;
  @ApiProperty({ enum: DEVICE_STATUSES }) status!: api.DeviceStatus;
  @ApiProperty({ type: String, nullable: true }) osPlatform!: string | null;
  @ApiProperty({ type: String, nullable: true }) osDistro!: string | null;
  @ApiProperty({ type: [String], description: 'Oldest first; empty for a missing package' })
  versions!: string[];
  @ApiProperty({ enum: SOFTWARE_SOURCES, isArray: true }) sources!: api.SoftwareSource[];
}

export class SoftwareNewestDto implements api.SoftwareNewest {
  @ApiProperty({ enum: SOFTWARE_SOURCES }) source!: api.SoftwareSource;
  @ApiProperty() version!: string;
}

export class SoftwareDevicesPageDto implements api.SoftwareDevicesPage {
  @ApiProperty({ type: [SoftwareDeviceRowDto] }) items!: SoftwareDeviceRowDto[];
  @ApiProperty() total!: number;
  @ApiProperty() page!: number;
  @ApiProperty() pageSize!: number;
  @ApiProperty({
    type: [SoftwareNewestDto],
    description: 'Newest version in the fleet, per source',
  })
  newest!: SoftwareNewestDto[];
}

export class SoftwareVersionCountDto implements api.SoftwareVersionCount {
  @ApiProperty({ enum: SOFTWARE_SOURCES }) source!: api.SoftwareSource;
  @ApiProperty() version!: string;
  @ApiProperty() devices!: number;
  @ApiProperty() newest!: boolean;
}

export class SoftwareVersionsResponseDto implements api.SoftwareVersionsResponse {
  @ApiProperty({ type: [SoftwareVersionCountDto] }) versions!: SoftwareVersionCountDto[];
  @ApiProperty() installed!: number;
  @ApiProperty({ description: 'Devices that reported inventory without it' }) missing!: number;
}

export class SoftwareNamesResponseDto implements api.SoftwareNamesResponse {
  @ApiProperty({ type: [String] }) names!: string[];
}
