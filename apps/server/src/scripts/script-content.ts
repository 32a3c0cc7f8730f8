import { createHash } from 'node:crypto';
import {
  hasNul,
  MAX_BODY_BYTES,
  SCRIPT_LANGUAGES,
  SCRIPT_TIMEOUT_SECONDS,
} from '@fleetdesk/api-types';
import type { FieldProblem } from './scripts.exceptions';

export { MAX_BODY_BYTES };
export const MIN_TIMEOUT_SECONDS = SCRIPT_TIMEOUT_SECONDS.min;
export const MAX_TIMEOUT_SECONDS = SCRIPT_TIMEOUT_SECONDS.max;
export const DEFAULT_TIMEOUT_SECONDS = SCRIPT_TIMEOUT_SECONDS.default;

/** The hex SHA-256 of a script body's UTF-8 bytes: what the agent checks before it runs one. */
export function sha256Hex(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

export function bodyProblem(body: unknown): string | null {
  if (typeof body !== 'string') return 'body must be a string';
  if (body.length === 0) return 'body must not be empty';
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES)
    return `body must be at most ${MAX_BODY_BYTES} bytes (256 KiB)`;
  if (hasNul(body)) return 'body must not contain NUL characters';
  return null;
}

/** Service-side check of a version's content, beside the DTO validation at the edge. */
export function contentProblems(content: {
  language: unknown;
  body: unknown;
  defaultTimeoutSeconds: unknown;
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!(SCRIPT_LANGUAGES as readonly unknown[]).includes(content.language))
    problems.push({
      field: 'language',
      reason: `language must be one of ${SCRIPT_LANGUAGES.join(', ')}`,
    });
  const body = bodyProblem(content.body);
  if (body) problems.push({ field: 'body', reason: body });
  const t = content.defaultTimeoutSeconds;
  if (
    typeof t !== 'number' ||
    !Number.isInteger(t) ||
    t < MIN_TIMEOUT_SECONDS ||
    t > MAX_TIMEOUT_SECONDS
  )
    problems.push({
      field: 'defaultTimeoutSeconds',
      reason: `defaultTimeoutSeconds must be an integer from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}`,
    });
  return problems;
}
