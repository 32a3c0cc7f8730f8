import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDate,
  IsInt,
  IsObject,
  ValidateIf,
  ValidateNested,
  type ValidationOptions,
  Matches,
  Max,
  MaxDate,
  Min,
  MinDate,
  MaxLength,
} from 'class-validator';
import {
  MAX_TAGS_PER_REQUEST,
  normalizeTag,
  TAG_MAX_LENGTH,
  TAG_PATTERN,
  TAG_PATTERN_MESSAGE,
} from '@fleetdesk/api-types';

/**
 * The field may be left out, but `null` is validated like any other value (and so refused):
 * class-validator's IsOptional lets null through to the service, which then wrote null into a
 * NOT NULL column or called a method on it (500s). Use IsOptional only where null has a meaning
 * the API documents (`nullable: true`), e.g. "null removes the device from its group".
 */
export const IsOmittable = (options?: ValidationOptions) =>
  ValidateIf((_object: object, value: unknown) => value !== undefined, options);

/**
 * A nested DTO. ValidateNested alone accepts an array in place of the object (its items are
 * validated instead), which reached the service as `[]` and crashed it.
 */
export function IsNestedObject(type: () => new () => object) {
  return applyDecorators(IsObject(), ValidateNested(), Type(type));
}

/** A list of nested DTOs: every item must be an object (not null, not a string). */
export function IsNestedList(type: () => new () => object) {
  return applyDecorators(
    IsArray(),
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(type),
  );
}

/** The largest value of PostgreSQL's `integer`; every integer input is bounded by its column. */
export const INT32_MAX = 2_147_483_647;

/**
 * An integer query parameter, bounded so it always fits the `integer` column (or OFFSET) it
 * ends up in: `page=1e20` is a 400 naming the field, not "bigint out of range".
 */
export function IsIntQuery(min: number, max: number = INT32_MAX) {
  return applyDecorators(
    Type(() => Number),
    IsInt(),
    Min(min),
    Max(max),
  );
}

/**
 * Dates the API accepts: JavaScript parses years like -271821, PostgreSQL's timestamptz does
 * not; nothing in a fleet happened before 1970 or will after 9999.
 */
export const MIN_TIMESTAMP = new Date('1970-01-01T00:00:00Z');
export const MAX_TIMESTAMP = new Date('9999-12-31T23:59:59.999Z');

/** An ISO 8601 date-time query parameter, parsed into a Date within the range above. */
export function IsTimestampQuery(name: string) {
  return applyDecorators(
    Type(() => Date),
    IsDate({ message: `${name} must be an ISO 8601 date-time` }),
    MinDate(MIN_TIMESTAMP, { message: `${name} must be between 1970 and 9999` }),
    MaxDate(MAX_TIMESTAMP, { message: `${name} must be between 1970 and 9999` }),
  );
}

const lowerTrim = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? normalizeTag(value) : value;

/** Trims a string field before it is validated; other types pass through to be refused. */
/** `a,b` (or a repeated parameter) into a list; any other shape is left for the validators to refuse. */
export const commaList = ({ value }: { value: unknown }): unknown => {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return typeof value === 'string' || Array.isArray(value)
    ? items.flatMap((v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()) : [v]))
    : value;
};

export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Trims and lowercases a string field (emails, tag names). */
export const TrimLower = () => Transform(lowerTrim);

/** One tag name, normalised to lowercase. */
export function IsTagName() {
  return applyDecorators(
    Transform(lowerTrim),
    MaxLength(TAG_MAX_LENGTH),
    Matches(TAG_PATTERN, { message: TAG_PATTERN_MESSAGE }),
  );
}

/** A list of tag names, normalised and de-duplicated. */
export function IsTagList(max = MAX_TAGS_PER_REQUEST) {
  return applyDecorators(
    ApiProperty({ type: [String], example: ['web', 'site:paris'] }),
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value)
        ? [
            ...new Set(
              (value as unknown[]).map((v) => (typeof v === 'string' ? normalizeTag(v) : v)),
            ),
          ]
        : value,
    ),
    IsArray(),
    ArrayMaxSize(max),
    MaxLength(TAG_MAX_LENGTH, { each: true }),
    Matches(TAG_PATTERN, { each: true, message: TAG_PATTERN_MESSAGE }),
  );
}
