import type { ParamType, ParamValue, ScriptLanguage, ScriptParameter } from '@fleetdesk/api-types';
import { exhaustiveList } from '../common/exhaustive-list';
import { hasNul } from './script-content';
import { type FieldProblem, ScriptParamInvalidException } from './scripts.exceptions';

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
export const PARAM_NAME_MESSAGE =
  'parameter names are 1 to 64 upper-case letters, digits and _, starting with a letter (they become environment variable names)';

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

/** Why a (well-formed) name is refused, or null when it may be used. */
export function reservedNameProblem(name: string): string | null {
  if (RESERVED_PARAM_NAMES.includes(name))
    return `parameter name ${name} is reserved: it is an environment variable that changes how scripts run; choose another name`;
  const prefix = RESERVED_PARAM_PREFIXES.find((p) => name.startsWith(p));
  if (prefix)
    return `parameter name ${name} is reserved: names starting with ${prefix} are environment variables that change how scripts run; choose another name`;
  return null;
}

export function stringValueProblem(value: string): string | null {
  if (Buffer.byteLength(value, 'utf8') > MAX_PARAM_VALUE_BYTES)
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

/**
 * Every rule a parameter list must follow, field by field. The DTOs apply the same rules at
 * the edge; the service runs this for every write, whoever the caller is.
 */
export function parameterProblems(params: unknown): FieldProblem[] {
  if (!Array.isArray(params))
    return [{ field: 'parameters', reason: 'parameters must be an array' }];
  const problems: FieldProblem[] = [];
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
    const known = new Set([
      'name',
      'type',
      'required',
      'secret',
      'default',
      'options',
      'description',
    ]);
    for (const key of Object.keys(p)) if (!known.has(key)) add(key, `unknown property ${key}`);
    if (typeof p.name !== 'string' || !PARAM_NAME_PATTERN.test(p.name)) {
      add('name', PARAM_NAME_MESSAGE);
    } else {
      add('name', reservedNameProblem(p.name));
    }
    if (!(PARAM_TYPES as readonly unknown[]).includes(p.type))
      add('type', `type must be one of ${PARAM_TYPES.join(', ')}`);
    if (typeof p.required !== 'boolean') add('required', 'required must be true or false');
    if (typeof p.secret !== 'boolean') add('secret', 'secret must be true or false');
    if (p.description !== undefined) {
      if (
        typeof p.description !== 'string' ||
        p.description.length > MAX_PARAM_DESCRIPTION ||
        hasNul(p.description)
      )
        add(
          'description',
          `description must be text of at most ${MAX_PARAM_DESCRIPTION} characters`,
        );
    }
    add('options', optionsProblem(p));
    add('default', defaultProblem(p));
  });
  for (const name of duplicateNames(params as { name?: unknown }[]))
    problems.push({ field: 'parameters', reason: `parameter name ${name} is used more than once` });
  return problems;
}

/** What a run gets: every parameter as an environment variable, and as arguments. */
export interface RenderedParams {
  /** `secret` marks a secret parameter's value, which the agent masks in output. */
  env: { name: string; value: string; secret?: true }[];
  args: string[];
  /** The effective values, secrets replaced, for job records and the audit log. */
  redactedParams: Record<string, unknown>;
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Checks one supplied value against its declaration; returns the typed value. */
function coerce(p: ScriptParameter, value: unknown): ParamValue {
  const fail = (reason: string): never => {
    throw new ScriptParamInvalidException(p.name, reason);
  };
  switch (p.type) {
    case 'string': {
      if (typeof value !== 'string') return fail(`must be a string, got ${describe(value)}`);
      if (p.required && value.length === 0) return fail('is required and must not be empty');
      const problem = stringValueProblem(value);
      return problem ? fail(problem) : value;
    }
    case 'number': {
      let n: number | undefined;
      if (typeof value === 'number') n = value;
      else if (typeof value === 'string' && NUMBER_TEXT.test(value.trim()))
        n = Number(value.trim());
      if (n === undefined || !Number.isFinite(n))
        return fail(`must be a finite number, got ${describe(value)}`);
      return n;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'false') return value === 'true';
      return fail(`must be true or false, got ${describe(value)}`);
    case 'enum':
      if (typeof value === 'string' && (p.options ?? []).includes(value)) return value;
      return fail(`must be one of ${(p.options ?? []).join(', ')}`);
  }
}

function render(value: ParamValue): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * Validates supplied values against a version's declared parameters, applies defaults and
 * renders each value as a string: one env var per parameter (named exactly as it; empty when
 * an optional parameter has no value) and the argument list — `-NAME value` pairs for
 * PowerShell, positional values in declaration order for every other language. Values are
 * never interpreted: quotes, `$()` and `;` reach the script literally.
 */
export function renderParams(
  declared: readonly ScriptParameter[],
  language: ScriptLanguage,
  supplied: unknown,
): RenderedParams {
  if (typeof supplied !== 'object' || supplied === null || Array.isArray(supplied))
    throw new ScriptParamInvalidException('(all)', 'parameters must be an object of name: value');
  const given = supplied as Record<string, unknown>;
  const byName = new Map(declared.map((p) => [p.name, p]));
  for (const key of Object.keys(given)) {
    if (!byName.has(key)) {
      const list = declared.map((p) => p.name).join(', ');
      throw new ScriptParamInvalidException(
        key.slice(0, 64),
        `unknown parameter; this script declares ${list ? `only ${list}` : 'no parameters'}`,
      );
    }
  }
  const env: RenderedParams['env'] = [];
  const args: string[] = [];
  const redactedParams: Record<string, unknown> = {};
  let total = 0;
  for (const p of declared) {
    const raw = Object.prototype.hasOwnProperty.call(given, p.name) ? given[p.name] : undefined;
    let value: ParamValue | undefined;
    if (raw !== undefined) value = coerce(p, raw);
    else if (p.default !== undefined) value = p.default;
    else if (p.required) throw new ScriptParamInvalidException(p.name, 'is required');
    const text = value === undefined ? '' : render(value);
    total += Buffer.byteLength(text, 'utf8');
    env.push(
      p.secret ? { name: p.name, value: text, secret: true } : { name: p.name, value: text },
    );
    if (language === 'powershell') {
      if (value !== undefined) args.push(`-${p.name}`, text);
    } else {
      args.push(text);
    }
    if (value !== undefined) redactedParams[p.name] = p.secret ? SECRET_PLACEHOLDER : value;
  }
  if (total > MAX_PARAM_TOTAL_BYTES)
    throw new ScriptParamInvalidException(
      '(all)',
      `parameter values must total at most ${MAX_PARAM_TOTAL_BYTES} bytes (256 KiB)`,
    );
  return { env, args, redactedParams };
}
