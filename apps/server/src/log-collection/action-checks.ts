import { type LogSourceRequest, logPatternProblem, logSourceProblem } from '@fleetdesk/api-types';
import { formatPath } from '@fleetdesk/protocol';
import { LogCollectionInvalidException } from './log-collection.exceptions';

/*
 * The checks an action (a collection, a search, a file transfer) passes before the server
 * signs it, each refusal a 400 that names the request field, as the console's forms name it.
 */

/** The protocol's validator of the action about to be signed. */
export function checkAction(
  result: { ok: true } | { ok: false; path: (string | number)[]; reason: string },
): void {
  if (!result.ok) {
    throw new LogCollectionInvalidException(
      `${formatPath(result.path).replace(/^body\.?/, '') || 'request'}: ${result.reason}`,
    );
  }
}

/** The shared per-source rules (libs/api-types), the console's form applies the same. */
export function checkSources(sources: LogSourceRequest[]): void {
  sources.forEach((s, i) => {
    const problem = logSourceProblem(s);
    if (problem) {
      throw new LogCollectionInvalidException(`sources[${i}].${problem.field} ${problem.reason}`);
    }
  });
}

/** A line pattern by the shared rule (compiled as the matchers compile it); `field` names it. */
export function checkLinePattern(
  field: 'filter' | 'query',
  filter: Parameters<typeof logPatternProblem>[0],
): void {
  const problem = logPatternProblem(filter);
  if (problem) throw new LogCollectionInvalidException(`${field}.pattern ${problem}`);
}
