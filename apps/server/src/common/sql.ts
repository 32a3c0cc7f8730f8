import { QueryFailedError } from 'typeorm';

/** An ILIKE pattern matching `text` anywhere, with LIKE's own wildcards taken literally. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * True for PostgreSQL's unique violation (23505); with `constraint`, only when that index
 * was the one violated (or the driver did not say which).
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const e = error.driverError as { code?: string; constraint?: string };
  return (
    e.code === '23505' && (!constraint || e.constraint === undefined || e.constraint === constraint)
  );
}
