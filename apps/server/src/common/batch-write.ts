import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATE classes that blame the data of a statement rather than the database:
 * 22 data exception (a value out of range, bad json, NUL in text, a date too far),
 * 23 integrity constraint violation, 54 program limit exceeded (a value too large to index).
 */
const ROW_FAULT_CLASSES = new Set(['22', '23', '54']);

/** True when PostgreSQL refused a statement because of a value in it. */
export function isDataFault(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && ROW_FAULT_CLASSES.has(code.slice(0, 2));
}

const MAX_MESSAGE = 300;

/**
 * What to log about a refused row: the database's message (cut short, since it may quote
 * the offending value), never the query, its parameters or the error's detail.
 */
export function describeDbError(error: unknown): { code?: string; message: string } {
  const message = (error instanceof Error ? error.message : String(error)).slice(0, MAX_MESSAGE);
  if (error instanceof QueryFailedError) {
    const code = (error.driverError as { code?: unknown } | undefined)?.code;
    return { ...(typeof code === 'string' ? { code } : {}), message };
  }
  return { message };
}

export interface RejectedRow<T> {
  item: T;
  error: unknown;
}

/**
 * Writes many devices' reports in one statement; if the database refuses the statement for
 * its data, writes them again one at a time, so a row the database cannot take costs only
 * its own device. `write` must be safe to repeat for a subset (each row written once: the
 * failed statement wrote nothing). Returns what the successful writes returned, and hands
 * the refused rows to `rejected`.
 *
 * Any other failure (the database unreachable, a deadlock) is thrown as is: writing row by
 * row would fail the same way, and blame every device for it.
 */
export async function writeBatch<T, R>(
  items: readonly T[],
  write: (items: readonly T[]) => Promise<readonly R[]>,
  rejected: (rows: RejectedRow<T>[]) => Promise<void> | void,
): Promise<R[]> {
  if (items.length === 0) return [];
  try {
    return [...(await write(items))];
  } catch (error) {
    if (!isDataFault(error)) throw error;
    if (items.length === 1) {
      await rejected([{ item: items[0], error }]);
      return [];
    }
  }
  const out: R[] = [];
  const refused: RejectedRow<T>[] = [];
  try {
    for (const item of items) {
      try {
        out.push(...(await write([item])));
      } catch (error) {
        if (!isDataFault(error)) throw error;
        refused.push({ item, error });
      }
    }
  } finally {
    // Also when a later row hit an outage: the refusals seen so far are still the rows' own.
    if (refused.length > 0) await rejected(refused);
  }
  return out;
}
