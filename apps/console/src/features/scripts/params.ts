import {
  defaultProblem,
  descriptionProblem,
  duplicateNames,
  NUMBER_TEXT,
  optionsProblem,
  paramNameProblem,
  PARAM_TYPES,
  type ParamType,
  type ParamValue,
  type ScriptParameterInput,
  type ScriptParameterResponse,
} from '@fleetdesk/api-types';

// The rules themselves (names, reserved names, options, defaults, limits) are the shared
// contract's (libs/api-types script-rules.ts), the ones the server applies on save; this file
// holds the editor's drafts and says the server's words before saving.

const TYPE_LABELS: Record<ParamType, string> = {
  string: 'Text',
  number: 'Number',
  boolean: 'Yes / no',
  enum: 'Choice (list)',
};
export const PARAM_TYPE_OPTIONS: { value: ParamType; label: string }[] = PARAM_TYPES.map(
  (value) => ({ value, label: TYPE_LABELS[value] }),
);

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

/** The shared rules speak in lower case, as API errors do; a form field starts a sentence. */
const sentence = (text: string | null) => (text ? text[0].toUpperCase() + text.slice(1) : null);

/** The draft's default as the server would judge it, plus what only text can get wrong. */
function draftDefaultProblem(d: ParamDraft): string | null {
  if (d.defaultText === '') return null;
  if (d.type === 'number' && !NUMBER_TEXT.test(d.defaultText.trim())) return 'Must be a number';
  if (d.type === 'boolean' && d.defaultText !== 'true' && d.defaultText !== 'false')
    return 'Choose yes or no';
  return defaultProblem({
    type: d.type,
    required: d.required,
    options: d.options,
    default: typedDefault(d),
  });
}

/** Per-parameter problems, in the order of the list; an empty object where all is well. */
export function validateParams(drafts: ParamDraft[]): ParamErrors[] {
  const repeated = new Set(duplicateNames(drafts));
  return drafts.map((d) => {
    const found: ParamErrors = {
      name:
        paramNameProblem(d.name) ??
        (repeated.has(d.name) ? `${d.name} is used more than once` : null) ??
        undefined,
      options:
        optionsProblem({ type: d.type, options: d.type === 'enum' ? d.options : undefined }) ??
        undefined,
      default: draftDefaultProblem(d) ?? undefined,
      description: descriptionProblem(d.description) ?? undefined,
    };
    const e: ParamErrors = {};
    for (const [key, text] of Object.entries(found) as [keyof ParamErrors, string | undefined][])
      if (text) e[key] = sentence(text) ?? text;
    return e;
  });
}

export const hasErrors = (errors: ParamErrors[]) => errors.some((e) => Object.keys(e).length > 0);
