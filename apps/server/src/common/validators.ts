import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, IsArray, Matches, MaxLength } from 'class-validator';

export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]*$/;
const TAG_MESSAGE =
  'tags are lowercase letters, digits and . _ : - (starting with a letter or digit)';

const lowerTrim = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** Trims a string field before it is validated; other types pass through to be refused. */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Trims and lowercases a string field (emails, tag names). */
export const TrimLower = () => Transform(lowerTrim);

/** One tag name, normalised to lowercase. */
export function IsTagName() {
  return applyDecorators(
    Transform(lowerTrim),
    MaxLength(64),
    Matches(TAG_PATTERN, { message: TAG_MESSAGE }),
  );
}

/** A list of tag names, normalised and de-duplicated. */
export function IsTagList(max = 50) {
  return applyDecorators(
    ApiProperty({ type: [String], example: ['web', 'site:paris'] }),
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value)
        ? [
            ...new Set(
              (value as unknown[]).map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v)),
            ),
          ]
        : value,
    ),
    IsArray(),
    ArrayMaxSize(max),
    MaxLength(64, { each: true }),
    Matches(TAG_PATTERN, { each: true, message: TAG_MESSAGE }),
  );
}
