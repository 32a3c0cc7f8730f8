import { exhaustiveList } from './exhaustive-list';
import type { ParamType } from './scripts';

// The rules a script and its parameter definitions follow: the server applies them to every
// write, the console to its form before saving. Pure and Node-free, so both run the same code.

/** A script body's size, in UTF-8 bytes. */
export const MAX_BODY_BYTES = 256 * 1024;
/** A script's default run timeout, in seconds. */
export const SCRIPT_TIMEOUT_SECONDS = { min: 1, max: 86_400, default: 300 } as const;
export const SCRIPT_NAME_MAX_LENGTH = 100;
export const SCRIPT_DESCRIPTION_MAX_LENGTH = 2000;
/** Script names are shown in lists and logs: one line, no control characters. */
// eslint-disable-next-line no-control-regex
export const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const PARAM_TYPES = exhaustiveList<ParamType>()(['string', 'number', 'boolean', 'enum']);

export const MAX_PARAMETERS = 32;
export const MAX_ENUM_OPTIONS = 100;
export const MAX_OPTION_LENGTH = 200;
export const MAX_PARAM_DESCRIPTION = 500;
export const MAX_PARAM_VALUE_BYTES = 32 * 1024;
/** All rendered values of one run together: env and argv share the OS's ~2 MiB budget. */
export const MAX_PARAM_TOTAL_BYTES = 256 * 1024;
export const SECRET_PLACEHOLDER = '[secret]';

/** Parameters become environment variable names, so they look like one. */
export const PARAM_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
/** The longest name PARAM_NAME_PATTERN accepts (for input fields). */
export const PARAM_NAME_MAX_LENGTH = 64;
export const PARAM_NAME_MESSAGE =
  'parameter names are 1 to 64 upper-case letters, digits and _, starting with a letter (they become environment variable names)';

/** What a number parameter's value may look like as text (a form field, a query string). */
export const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Names that change how a shell, an interpreter, the dynamic loader or Windows itself behaves.
 * A parameter with one of these names would let whoever supplies the value alter what runs.
 */
export const RESERVED_PARAM_NAMES: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'SHELL',
  'IFS',
  'ENV',
  'BASH_ENV',
  'PS4',
  'SHELLOPTS',
  'PWD',
  'TMPDIR',
  // Also read at start-up by bash, glibc, the JVM or Windows.
  'BASHOPTS',
  'CDPATH',
  'GLOBIGNORE',
  'PROMPT_COMMAND',
  'GCONV_PATH',
  'JAVA_TOOL_OPTIONS',
  'COMSPEC',
  'PATHEXT',
  'PSMODULEPATH',
  'SYSTEMROOT',
  'WINDIR',
  'TEMP',
  'TMP',
];
export const RESERVED_PARAM_PREFIXES: readonly string[] = [
  'LD_',
  'DYLD_',
  'NODE_',
  'PYTHON',
  'PERL',
  'RUBY',
  'BASH_',
  'FLEETDESK_',
];

/** One refused field, e.g. `{ field: 'parameters.0.name', reason: '…' }`. */
export interface ParamFieldProblem {
  field: string;
  reason: string;
}

/** PostgreSQL text and jsonb cannot hold NUL, and no interpreter wants one either. */
export const hasNul = (text: string): boolean => text.includes('\u0000');

/**
 * A string's length in UTF-8 bytes, as the server stores and limits it. Counted by hand: this
 * file runs in browsers and Node alike and is type-checked without either's globals. A lone
 * surrogate counts 3 bytes, as it does once encoded (U+FFFD).
 */
export function utf8Bytes(text: string): number {
  let n = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Why a (well-formed) name is refused, or null when it may be used. */
export function reservedNameProblem(name: string): string | null {
  if (RESERVED_PARAM_NAMES.includes(name))
    return `parameter name ${name} is reserved: it is an environment variable that changes how scripts run; choose another name`;
  const prefix = RESERVED_PARAM_PREFIXES.find((p) => name.startsWith(p));
  if (prefix)
    return `parameter name ${name} is reserved: names starting with ${prefix} are environment variables that change how scripts run; choose another name`;
  return null;
}

/** Why a parameter name is refused (shape or reserved), or null. */
export function paramNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || !PARAM_NAME_PATTERN.test(name)) return PARAM_NAME_MESSAGE;
  return reservedNameProblem(name);
}

export function stringValueProblem(value: string): string | null {
  if (utf8Bytes(value) > MAX_PARAM_VALUE_BYTES)
    return `must be at most ${MAX_PARAM_VALUE_BYTES} bytes (32 KiB)`;
  if (hasNul(value)) return 'must not contain NUL characters';
  return null;
}

interface DefaultInput {
  type?: unknown;
  required?: unknown;
  options?: unknown;
  default?: unknown;
}

/** Why a declared default does not fit its parameter, or null. */
export function defaultProblem(p: DefaultInput): string | null {
  const value = p.default;
  if (value === undefined || value === null) return null;
  if (p.required === true)
    return 'a required parameter cannot have a default; make it optional or drop the default';
  switch (p.type) {
    case 'string': {
      if (typeof value !== 'string') return 'default must be a string, as the type is string';
      const problem = stringValueProblem(value);
      return problem ? `default ${problem}` : null;
    }
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : 'default must be a finite number, as the type is number';
    case 'boolean':
      return typeof value === 'boolean'
        ? null
        : 'default must be true or false, as the type is boolean';
    case 'enum':
      return typeof value === 'string' && Array.isArray(p.options) && p.options.includes(value)
        ? null
        : 'default must be one of the options';
    default:
      return null;
  }
}

/** Why an options list does not fit its parameter, or null. */
export function optionsProblem(p: { type?: unknown; options?: unknown }): string | null {
  if (p.type !== 'enum')
    return p.options === undefined || p.options === null
      ? null
      : 'only enum parameters take options';
  const o = p.options;
  if (!Array.isArray(o) || o.length < 1 || o.length > MAX_ENUM_OPTIONS)
    return `enum parameters need a list of 1 to ${MAX_ENUM_OPTIONS} options`;
  if (
    !o.every(
      (v) => typeof v === 'string' && v.length >= 1 && v.length <= MAX_OPTION_LENGTH && !hasNul(v),
    )
  )
    return `each option must be a non-empty string of at most ${MAX_OPTION_LENGTH} characters`;
  if (new Set(o).size !== o.length) return 'options must be unique';
  return null;
}

/** Why a description is refused, or null (absent is fine). */
export function descriptionProblem(description: unknown): string | null {
  if (description === undefined) return null;
  return typeof description !== 'string' ||
    description.length > MAX_PARAM_DESCRIPTION ||
    hasNul(description)
    ? `description must be text of at most ${MAX_PARAM_DESCRIPTION} characters`
    : null;
}

export function duplicateNames(params: readonly { name?: unknown }[]): string[] {
  const seen = new Set<unknown>();
  const dupes = new Set<string>();
  for (const p of params) {
    // Items that are not objects are reported by the list's own validators, not here.
    const name = typeof p === 'object' && p !== null ? p.name : undefined;
    if (seen.has(name) && typeof name === 'string') dupes.add(name);
    seen.add(name);
  }
  return [...dupes];
}

const PARAM_KEYS = new Set([
  'name',
  'type',
  'required',
  'secret',
  'default',
  'options',
  'description',
]);

/**
 * Every rule a parameter list must follow, field by field (`parameters.<i>.<key>`, or
 * `parameters` for the list as a whole). Takes anything: it is the check at the edge.
 */
export function parameterProblems(params: unknown): ParamFieldProblem[] {
  if (!Array.isArray(params))
    return [{ field: 'parameters', reason: 'parameters must be an array' }];
  const problems: ParamFieldProblem[] = [];
  if (params.length > MAX_PARAMETERS)
    problems.push({
      field: 'parameters',
      reason: `a script takes at most ${MAX_PARAMETERS} parameters`,
    });
  params.forEach((raw: unknown, i) => {
    const field = `parameters.${i}`;
    if (typeof raw !== 'object' || raw === null) {
      problems.push({ field, reason: 'each parameter must be an object' });
      return;
    }
    const p = raw as Record<string, unknown>;
    const add = (key: string, reason: string | null) => {
      if (reason) problems.push({ field: `${field}.${key}`, reason });
    };
    for (const key of Object.keys(p)) if (!PARAM_KEYS.has(key)) add(key, `unknown property ${key}`);
    add('name', paramNameProblem(p.name));
    if (!(PARAM_TYPES as readonly unknown[]).includes(p.type))
      add('type', `type must be one of ${PARAM_TYPES.join(', ')}`);
    if (typeof p.required !== 'boolean') add('required', 'required must be true or false');
    if (typeof p.secret !== 'boolean') add('secret', 'secret must be true or false');
    add('description', descriptionProblem(p.description));
    add('options', optionsProblem(p));
    add('default', defaultProblem(p));
  });
  for (const name of duplicateNames(params as { name?: unknown }[]))
    problems.push({ field: 'parameters', reason: `parameter name ${name} is used more than once` });
  return problems;
}
