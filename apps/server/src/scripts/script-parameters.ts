import {
  MAX_PARAM_TOTAL_BYTES,
  NUMBER_TEXT,
  type ParamValue,
  type ScriptLanguage,
  type ScriptParameter,
  SECRET_PLACEHOLDER,
  stringValueProblem,
} from '@fleetdesk/api-types';
import { ScriptParamInvalidException } from './scripts.exceptions';

// The definition rules (names, types, options, defaults) are the shared contract's
// (@fleetdesk/api-types script-rules.ts), applied by the service on every write; this
// file turns supplied values into what a run gets.

/** What a run gets: every parameter as an environment variable, and as arguments. */
export interface RenderedParams {
  /** `secret` marks a secret parameter's value, which the agent masks in output. */
  env: { name: string; value: string; secret?: true }[];
  args: string[];
  /** The effective values, secrets replaced, for job records and the audit log. */
  redactedParams: Record<string, unknown>;
}

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
