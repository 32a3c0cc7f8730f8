import type {
  ParamType,
  ParamValue,
  ScriptParameterInput,
  ScriptParameterResponse,
} from '@fleetdesk/api-types';

/**
 * The rules the server applies to parameter definitions (apps/server/src/scripts/
 * script-parameters.ts), repeated here so the form can say what is wrong before saving.
 */
export const PARAM_NAME_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
export const MAX_PARAMETERS = 32;
export const MAX_ENUM_OPTIONS = 100;
export const MAX_OPTION_LENGTH = 200;
export const MAX_PARAM_DESCRIPTION = 500;
export const MAX_PARAM_VALUE_BYTES = 32 * 1024;

const RESERVED_NAMES = [
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
const RESERVED_PREFIXES = [
  'LD_',
  'DYLD_',
  'NODE_',
  'PYTHON',
  'PERL',
  'RUBY',
  'BASH_',
  'FLEETDESK_',
];

export const PARAM_TYPE_OPTIONS: { value: ParamType; label: string }[] = [
  { value: 'string', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'boolean', label: 'Yes / no' },
  { value: 'enum', label: 'Choice (list)' },
];

/** One parameter definition as the editor holds it. */
export interface ParamDraft {
  /** Stable React key; not sent. */
  key: string;
  name: string;
  type: ParamType;
  required: boolean;
  secret: boolean;
  /** The default as typed; '' means none ('true' / 'false' for booleans). */
  defaultText: string;
  /**
   * The server holds a secret default the console is never shown. Left alone, saving keeps it
   * (the PATCH omits `default`); typing a new one or clearing it replaces it.
   */
  keepsSecretDefault: boolean;
  /** The name the kept secret default is stored under: the server matches it by name. */
  storedName: string | null;
  options: string[];
  description: string;
}

let counter = 0;
const newKey = () => `p${++counter}`;

export function emptyParam(): ParamDraft {
  return {
    key: newKey(),
    name: '',
    type: 'string',
    required: false,
    secret: false,
    defaultText: '',
    keepsSecretDefault: false,
    storedName: null,
    options: [],
    description: '',
  };
}

export function paramFromResponse(p: ScriptParameterResponse): ParamDraft {
  const keeps = p.secret && p.hasDefault && p.default === undefined;
  return {
    key: newKey(),
    name: p.name,
    type: p.type,
    required: p.required,
    secret: p.secret,
    defaultText: p.default === undefined ? '' : String(p.default),
    keepsSecretDefault: keeps,
    storedName: keeps ? p.name : null,
    options: p.options ?? [],
    description: p.description ?? '',
  };
}

function typedDefault(d: ParamDraft): ParamValue | null {
  if (d.defaultText === '') return null;
  switch (d.type) {
    case 'number':
      return Number(d.defaultText);
    case 'boolean':
      return d.defaultText === 'true';
    case 'string':
    case 'enum':
      return d.defaultText;
  }
}

/** The request form of a draft; see `keepsSecretDefault` for when `default` is left out. */
export function paramToInput(d: ParamDraft): ScriptParameterInput {
  const out: ScriptParameterInput = {
    name: d.name,
    type: d.type,
    required: d.required,
    secret: d.secret,
  };
  const keep = d.keepsSecretDefault && d.secret && !d.required && d.storedName === d.name;
  if (!keep) out.default = d.required ? null : typedDefault(d);
  if (d.type === 'enum') out.options = d.options;
  if (d.description.trim() !== '') out.description = d.description;
  return out;
}

export type ParamErrors = Partial<
  Record<'name' | 'type' | 'default' | 'options' | 'description', string>
>;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;
const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export function reservedNameProblem(name: string): string | null {
  if (RESERVED_NAMES.includes(name))
    return `${name} is reserved: it is an environment variable that changes how scripts run`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `Names starting with ${prefix} are reserved (they change how scripts run)`;
  return null;
}

function defaultProblem(d: ParamDraft): string | null {
  if (d.defaultText === '') return null;
  if (d.required) return 'A required parameter cannot have a default: clear it or make it optional';
  switch (d.type) {
    case 'string':
      if (utf8Bytes(d.defaultText) > MAX_PARAM_VALUE_BYTES) return 'At most 32 KiB';
      return d.defaultText.includes('\u0000') ? 'Must not contain NUL characters' : null;
    case 'number':
      return NUMBER_TEXT.test(d.defaultText.trim()) && Number.isFinite(Number(d.defaultText))
        ? null
        : 'Must be a number';
    case 'boolean':
      return d.defaultText === 'true' || d.defaultText === 'false' ? null : 'Choose yes or no';
    case 'enum':
      return d.options.includes(d.defaultText) ? null : 'Must be one of the options';
  }
}

/** Per-parameter problems, in the order of the list; an empty object where all is well. */
export function validateParams(drafts: ParamDraft[]): ParamErrors[] {
  const counts = new Map<string, number>();
  for (const d of drafts) counts.set(d.name, (counts.get(d.name) ?? 0) + 1);
  return drafts.map((d) => {
    const e: ParamErrors = {};
    if (!PARAM_NAME_PATTERN.test(d.name))
      e.name =
        'Upper-case letters, digits and _, starting with a letter (it becomes an environment variable)';
    else {
      const reserved = reservedNameProblem(d.name);
      if (reserved) e.name = reserved;
      else if ((counts.get(d.name) ?? 0) > 1) e.name = `${d.name} is used more than once`;
    }
    if (d.type === 'enum') {
      if (d.options.length < 1 || d.options.length > MAX_ENUM_OPTIONS)
        e.options = `Give 1 to ${MAX_ENUM_OPTIONS} options`;
      else if (d.options.some((o) => o.length < 1 || o.length > MAX_OPTION_LENGTH))
        e.options = `Each option is 1 to ${MAX_OPTION_LENGTH} characters`;
      else if (new Set(d.options).size !== d.options.length) e.options = 'Options must be unique';
    }
    const def = defaultProblem(d);
    if (def) e.default = def;
    if (d.description.length > MAX_PARAM_DESCRIPTION)
      e.description = `At most ${MAX_PARAM_DESCRIPTION} characters`;
    return e;
  });
}

export const hasErrors = (errors: ParamErrors[]) => errors.some((e) => Object.keys(e).length > 0);
