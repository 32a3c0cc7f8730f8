import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type * as api from '@fleetdesk/api-types';
import { PageQueryDto } from '../../common/pagination';
import { IsNestedList, IsOmittable, IsTagList, IsTagName, Trim } from '../../common/validators';
import {
  bodyProblem,
  DEFAULT_TIMEOUT_SECONDS,
  MAX_BODY_BYTES,
  MAX_TIMEOUT_SECONDS,
  MIN_TIMEOUT_SECONDS,
} from '../script-content';
import {
  MAX_PARAMETERS,
  MAX_SCRIPT_TAGS,
  NO_CONTROL_CHARS,
  SCRIPT_LANGUAGES,
  SCRIPT_DESCRIPTION_MAX_LENGTH,
  SCRIPT_NAME_MAX_LENGTH,
} from '@fleetdesk/api-types';
import type { ScriptVersionEntity } from '../script-version.entity';
import type { ScriptEntity } from '../script.entity';
import {
  NoNul,
  Satisfies,
  ScriptParameterDto,
  ScriptParameterResponse,
  toParameterResponse,
  UniqueParameterNames,
} from './script-parameter.dto';

/** A script name: trimmed, 1 to 100 characters, no control characters. */
function IsScriptName() {
  return applyDecorators(
    Trim(),
    IsString(),
    MinLength(1),
    MaxLength(SCRIPT_NAME_MAX_LENGTH),
    Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' }),
  );
}

const LANGUAGE_MESSAGE = `language must be one of ${SCRIPT_LANGUAGES.join(', ')}`;
const BodyRule = () => Satisfies('scriptBody', (v) => bodyProblem(v));
const TIMEOUT_DOC = {
  minimum: MIN_TIMEOUT_SECONDS,
  maximum: MAX_TIMEOUT_SECONDS,
  default: DEFAULT_TIMEOUT_SECONDS,
};

export class CreateScriptDto implements api.CreateScriptRequest {
  @ApiProperty({ example: 'Rotate nginx logs', maxLength: SCRIPT_NAME_MAX_LENGTH })
  @IsScriptName()
  name!: string;

  @ApiPropertyOptional({ maxLength: SCRIPT_DESCRIPTION_MAX_LENGTH })
  @IsOmittable()
  @IsString()
  @MaxLength(SCRIPT_DESCRIPTION_MAX_LENGTH)
  @NoNul('description')
  description?: string;

  @ApiProperty({ enum: SCRIPT_LANGUAGES })
  @IsIn(SCRIPT_LANGUAGES, { message: LANGUAGE_MESSAGE })
  language!: api.ScriptLanguage;

  @ApiProperty({ description: `The script itself, at most ${MAX_BODY_BYTES} bytes of UTF-8` })
  @IsString()
  @BodyRule()
  body!: string;

  @ApiPropertyOptional({ type: [ScriptParameterDto], maxItems: MAX_PARAMETERS })
  @IsOmittable()
  @IsNestedList(() => ScriptParameterDto)
  @ArrayMaxSize(MAX_PARAMETERS)
  @UniqueParameterNames()
  parameters: ScriptParameterDto[] = [];

  @ApiPropertyOptional(TIMEOUT_DOC)
  @IsOmittable()
  @IsInt()
  @Min(MIN_TIMEOUT_SECONDS)
  @Max(MAX_TIMEOUT_SECONDS)
  defaultTimeoutSeconds: number = DEFAULT_TIMEOUT_SECONDS;

  @IsOmittable()
  @IsTagList(MAX_SCRIPT_TAGS)
  tags: string[] = [];
}

/**
 * Name, description and tags change in place; language, body, parameters or the default
 * timeout make a new version.
 */
export class UpdateScriptDto implements api.UpdateScriptRequest {
  @ApiPropertyOptional({ maxLength: 100 })
  @IsOmittable()
  @IsScriptName()
  name?: string;

  @ApiPropertyOptional({ maxLength: SCRIPT_DESCRIPTION_MAX_LENGTH })
  @IsOmittable()
  @IsString()
  @MaxLength(SCRIPT_DESCRIPTION_MAX_LENGTH)
  @NoNul('description')
  description?: string;

  @IsOmittable()
  @IsTagList(MAX_SCRIPT_TAGS)
  tags?: string[];

  @ApiPropertyOptional({ enum: SCRIPT_LANGUAGES })
  @IsOmittable()
  @IsIn(SCRIPT_LANGUAGES, { message: LANGUAGE_MESSAGE })
  language?: api.ScriptLanguage;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsString()
  @BodyRule()
  body?: string;

  @ApiPropertyOptional({
    type: [ScriptParameterDto],
    maxItems: MAX_PARAMETERS,
    description: 'Replaces the whole list',
  })
  @IsOmittable()
  @IsNestedList(() => ScriptParameterDto)
  @ArrayMaxSize(MAX_PARAMETERS)
  @UniqueParameterNames()
  parameters?: ScriptParameterDto[];

  @ApiPropertyOptional(TIMEOUT_DOC)
  @IsOmittable()
  @IsInt()
  @Min(MIN_TIMEOUT_SECONDS)
  @Max(MAX_TIMEOUT_SECONDS)
  defaultTimeoutSeconds?: number;
}

export class ScriptQueryDto extends PageQueryDto implements api.ScriptListQuery {
  @ApiPropertyOptional({ description: 'Free text on name and description' })
  @IsOmittable()
  @Trim()
  @IsString()
  @MaxLength(100)
  q?: string;

  @ApiPropertyOptional()
  @IsOmittable()
  @IsTagName()
  tag?: string;

  @ApiPropertyOptional({ enum: SCRIPT_LANGUAGES })
  @IsOmittable()
  @IsIn(SCRIPT_LANGUAGES, { message: LANGUAGE_MESSAGE })
  language?: api.ScriptLanguage;

  @ApiPropertyOptional({ default: false, description: 'Include archived scripts' })
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  )
  @IsBoolean({ message: 'archived must be true or false' })
  archived: boolean = false;
}

export class ScriptVersionSummary implements api.ScriptVersionSummary {
  @ApiProperty() version!: number;
  @ApiProperty() sha256!: string;
  @ApiProperty({ enum: SCRIPT_LANGUAGES }) language!: api.ScriptLanguage;
  @ApiProperty({ nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty() createdAt!: string;
}

export class ScriptSummaryResponse implements api.ScriptSummaryResponse {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty() builtin!: boolean;
  @ApiProperty() currentVersion!: number;
  @ApiProperty({ enum: SCRIPT_LANGUAGES }) language!: api.ScriptLanguage;
  @ApiProperty({ description: 'SHA-256 of the current body' }) sha256!: string;
  @ApiProperty() defaultTimeoutSeconds!: number;
  @ApiProperty() parameterCount!: number;
  @ApiProperty({ nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ nullable: true, type: String }) archivedAt!: string | null;
}

export class ScriptResponse extends ScriptSummaryResponse implements api.ScriptResponse {
  @ApiProperty() body!: string;
  @ApiProperty({ type: [ScriptParameterResponse] }) parameters!: ScriptParameterResponse[];
  @ApiProperty({ type: [ScriptVersionSummary], description: 'Newest first' })
  versions!: ScriptVersionSummary[];
}

export class UpdateScriptResponse extends ScriptResponse implements api.UpdateScriptResponse {
  @ApiProperty({
    type: [String],
    description:
      'Secret parameters whose default the new version dropped: only an admin, or whoever enters them again, carries secret defaults into a new version',
  })
  droppedSecretDefaults!: string[];
}

export class ScriptVersionResponse implements api.ScriptVersionResponse {
  @ApiProperty() scriptId!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ description: 'Whether this is the script’s current version' }) current!: boolean;
  @ApiProperty({ enum: SCRIPT_LANGUAGES }) language!: api.ScriptLanguage;
  @ApiProperty() body!: string;
  @ApiProperty() sha256!: string;
  @ApiProperty({ type: [ScriptParameterResponse] }) parameters!: ScriptParameterResponse[];
  @ApiProperty() defaultTimeoutSeconds!: number;
  @ApiProperty({ nullable: true, type: String }) createdBy!: string | null;
  @ApiProperty() createdAt!: string;
}

/** `current` may come without its body (lists never load bodies). */
export function toScriptSummaryResponse(
  s: ScriptEntity,
  current: Omit<ScriptVersionEntity, 'body'>,
): ScriptSummaryResponse {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    tags: s.tags,
    builtin: s.builtin,
    currentVersion: s.currentVersion,
    language: current.language,
    sha256: current.bodySha256,
    defaultTimeoutSeconds: current.defaultTimeoutSeconds,
    parameterCount: current.parameters.length,
    createdBy: s.createdBy,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
    archivedAt: s.archivedAt?.toISOString() ?? null,
  };
}

export function toScriptVersionSummary(
  v: Pick<ScriptVersionEntity, 'version' | 'bodySha256' | 'language' | 'createdBy' | 'createdAt'>,
): ScriptVersionSummary {
  return {
    version: v.version,
    sha256: v.bodySha256,
    language: v.language,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
  };
}

export function toScriptResponse(
  s: ScriptEntity,
  current: ScriptVersionEntity,
  versions: Parameters<typeof toScriptVersionSummary>[0][],
): ScriptResponse {
  return {
    ...toScriptSummaryResponse(s, current),
    body: current.body,
    parameters: current.parameters.map(toParameterResponse),
    versions: versions.map(toScriptVersionSummary),
  };
}

export function toScriptVersionResponse(
  s: ScriptEntity,
  v: ScriptVersionEntity,
): ScriptVersionResponse {
  return {
    scriptId: s.id,
    version: v.version,
    current: v.version === s.currentVersion,
    language: v.language,
    body: v.body,
    sha256: v.bodySha256,
    parameters: v.parameters.map(toParameterResponse),
    defaultTimeoutSeconds: v.defaultTimeoutSeconds,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
  };
}
