import {
  packageNameProblem,
  packageVersionProblem,
  type PackageChange,
  type PackageManager,
} from '@fleetdesk/api-types';
import type { Build, Refusal } from './types';

/**
 * Runs `build` only when the name is valid for the manager; a bad one becomes a refusal
 * naming the problem, so no command is ever built from it.
 */
export function withValidPackage(manager: PackageManager, name: string, build: () => Build): Build {
  const nameProblem = packageNameProblem(manager, name);
  if (nameProblem) return { refused: nameProblem };
  return build();
}

/**
 * Runs `build` only when the name, and the version if any, are valid for the manager and the
 * manager can choose a version for `operation` (the shared table in api-types packages.ts).
 * So a builder sees a version only where it has an argument form for it.
 */
export function withValidChange(
  manager: PackageManager,
  operation: PackageChange,
  name: string,
  version: string | undefined,
  build: () => Build,
): Build {
  const nameProblem = packageNameProblem(manager, name);
  if (nameProblem) return { refused: nameProblem };
  if (version !== undefined) {
    const versionProblem = packageVersionProblem(manager, version, operation);
    if (versionProblem) return { refused: versionProblem };
  }
  return build();
}

export const unsupported = (manager: PackageManager, what: string): Refusal => ({
  refused: `${what} is not supported by ${manager}`,
});

/** Non-empty lines, without trailing whitespace or carriage returns. */
export const lines = (out: string): string[] =>
  out
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');

/** The first dotted version number in `text` (e.g. "4.14.0" out of "dnf5 version 4.14.0"). */
export function firstVersion(text: string): string | null {
  const match = /\d+(?:\.\d+)+(?:[-+~][0-9A-Za-z.+~-]*)?/.exec(text);
  return match ? match[0] : null;
}

/** The leading number of a version ("2" of "2.2.2"), or NaN. */
export const majorVersion = (version: string | undefined): number =>
  version ? Number.parseInt(version, 10) : Number.NaN;
