/**
 * Tag names (devices, scripts, enrollment tokens): lowercase so `Web` and `web` are one tag,
 * from a small alphabet so they fit URLs and filters unescaped.
 */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]*$/;
export const TAG_MAX_LENGTH = 64;
export const TAG_PATTERN_MESSAGE =
  'tags are lowercase letters, digits and . _ : - (starting with a letter or digit)';
/** Tags one request may list (a device's tags, a bulk action, a job target). */
export const MAX_TAGS_PER_REQUEST = 50;
/** Tags one script may carry. */
export const MAX_SCRIPT_TAGS = 20;

/** Tags are compared trimmed and lowercased; the server normalises what it receives so. */
export const normalizeTag = (value: string): string => value.trim().toLowerCase();

/** Why a (normalised) tag name is refused, or null. */
export function tagProblem(tag: string): string | null {
  if (tag.length > TAG_MAX_LENGTH)
    return `"${tag.slice(0, 20)}…" is longer than ${TAG_MAX_LENGTH} characters`;
  if (!TAG_PATTERN.test(tag)) return `"${tag}" is not a valid tag: ${TAG_PATTERN_MESSAGE}`;
  return null;
}
