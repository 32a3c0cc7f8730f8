/** The server's tag rule (lowercase letters, digits and . _ : -, at most 64), checked before sending. */
export const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]*$/;

export const normalizeTag = (value: string) => value.trim().toLowerCase();

export function tagProblem(tag: string): string | null {
  if (tag.length > 64) return `"${tag.slice(0, 20)}…" is longer than 64 characters`;
  if (!TAG_PATTERN.test(tag)) {
    return `"${tag}" is not a valid tag: use lowercase letters, digits and . _ : - (starting with a letter or digit)`;
  }
  return null;
}
