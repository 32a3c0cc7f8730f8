import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  registerDecorator,
  ValidateIf,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import {
  defaultProblem,
  duplicateNames,
  hasNul,
  MAX_ENUM_OPTIONS,
  MAX_PARAM_DESCRIPTION,
  optionsProblem,
  PARAM_NAME_MESSAGE,
  PARAM_NAME_PATTERN,
  PARAM_TYPES,
  reservedNameProblem,
} from '@fleetdesk/api-types';
import type { StoredParameter } from '../script-secrets';
import { IsOmittable } from '../../common/validators';

/**
 * A rule written once as `(value, object) => problem | null`, applied as a class-validator
 * decorator; the service runs the same functions on every write.
 */
export function Satisfies(
  name: string,
  problem: (value: unknown, object: object) => string | null,
) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name,
      target: target.constructor,
      propertyName,
      validator: {
        validate: (value: unknown, args) => problem(value, args?.object ?? {}) === null,
        defaultMessage: (args) => problem(args?.value, args?.object ?? {}) ?? `${name} failed`,
      },
    });
}

export const NoNul = (field: string) =>
  Satisfies('noNul', (v) =>
    typeof v === 'string' && hasNul(v) ? `${field} must not contain NUL characters` : null,
  );

const VALUE_SCHEMA = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] };

export class ScriptParameterDto implements api.ScriptParameterInput {
  @ApiProperty({ example: 'SERVICE', pattern: PARAM_NAME_PATTERN.source })
  @IsString()
  @Matches(PARAM_NAME_PATTERN, { message: PARAM_NAME_MESSAGE })
  @Satisfies('notReservedName', (v) =>
    typeof v === 'string' && PARAM_NAME_PATTERN.test(v) ? reservedNameProblem(v) : null,
  )
  name!: string;

  @ApiProperty({ enum: PARAM_TYPES })
  @IsIn(PARAM_TYPES, { message: `type must be one of ${PARAM_TYPES.join(', ')}` })
  type!: api.ParamType;

  @ApiPropertyOptional({ default: false })
  @IsOmittable()
  @IsBoolean()
  required: boolean = false;

  @ApiPropertyOptional({
    default: false,
    description: 'A secret default is stored but never shown again',
  })
  @IsOmittable()
  @IsBoolean()
  secret: boolean = false;

  @ApiPropertyOptional({
    // OpenAPI 3.0 allows `nullable` only beside a `type`, so null rides on the string branch.
    oneOf: [{ type: 'string', nullable: true }, { type: 'number' }, { type: 'boolean' }],
    description:
      'Must match the type (an option for enum). On PATCH, a secret parameter sent without a default keeps its current one; send null to drop it.',
  })
  @IsOptional() // null has a documented meaning here
  @Satisfies('defaultMatchesType', (_, o) => defaultProblem(o))
  default?: api.ParamValue | null;

  @ApiPropertyOptional({ type: [String], maxItems: MAX_ENUM_OPTIONS })
  @ValidateIf(
    (o: ScriptParameterDto) => o.type === 'enum' || (o.options !== undefined && o.options !== null),
  )
  @Satisfies('optionsFitType', (_, o) => optionsProblem(o))
  options?: string[] | null;

  @ApiPropertyOptional({ maxLength: MAX_PARAM_DESCRIPTION })
  @IsOmittable()
  @IsString()
  @MaxLength(MAX_PARAM_DESCRIPTION)
  @NoNul('description')
  description?: string;

  @ApiPropertyOptional({
    description:
      'Read-only, ignored: accepted so a parameter list read from the API can be sent back',
  })
  @IsOmittable()
  @IsBoolean()
  hasDefault?: boolean;
}

export const UniqueParameterNames = () =>
  Satisfies('uniqueParameterNames', (v) => {
    if (!Array.isArray(v)) return null;
    const dupes = duplicateNames(v as { name?: unknown }[]);
    return dupes.length ? `parameter names must be unique: ${dupes.join(', ')} repeated` : null;
  });

export class ScriptParameterResponse implements api.ScriptParameterResponse {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: PARAM_TYPES }) type!: api.ParamType;
  @ApiProperty() required!: boolean;
  @ApiProperty() secret!: boolean;
  @ApiProperty({ description: 'Whether a default is set (a secret default is never shown)' })
  hasDefault!: boolean;
  @ApiPropertyOptional(VALUE_SCHEMA) default?: api.ParamValue;
  @ApiPropertyOptional({ type: [String] }) options?: string[];
  @ApiPropertyOptional() description?: string;
}

/** Never lets a secret default out, sealed or not. */
export function toParameterResponse(p: StoredParameter): ScriptParameterResponse {
  return {
    name: p.name,
    type: p.type,
    required: p.required,
    secret: p.secret,
    hasDefault: p.default !== undefined || p.sealedDefault !== undefined,
    ...(p.default !== undefined && !p.secret ? { default: p.default } : {}),
    ...(p.options ? { options: [...p.options] } : {}),
    ...(p.description !== undefined ? { description: p.description } : {}),
  };
}
