import type { PageQuery } from './common';
import type { ScriptLanguage } from './wire';

export type ParamType = 'string' | 'number' | 'boolean' | 'enum';
export type ParamValue = string | number | boolean;

/**
 * A declared script parameter, as a script version stores it. The name becomes an environment
 * variable, so it is `^[A-Z][A-Z0-9_]{0,63}$` and not a reserved one (PATH, LD_* …).
 */
export interface ScriptParameter {
  name: string;
  type: ParamType;
  required: boolean;
  secret: boolean;
  default?: ParamValue;
  /** The allowed values of an enum parameter. */
  options?: string[];
  description?: string;
}

/**
 * A parameter in a create or update body. `required` and `secret` default to false. On PATCH a
 * secret parameter sent without `default` keeps its stored one, and null drops it — but a PATCH
 * that makes a new version keeps a secret default only if it is sent again or the caller is an
 * admin; otherwise it is dropped and named in `droppedSecretDefaults`. `hasDefault` is ignored,
 * so a list read from the API can be sent back as it is.
 */
export interface ScriptParameterInput {
  name: string;
  type: ParamType;
  required?: boolean;
  secret?: boolean;
  default?: ParamValue | null;
  options?: string[] | null;
  description?: string;
  hasDefault?: boolean;
}

/** A parameter as the API shows it: a secret default is never included, only `hasDefault`. */
export interface ScriptParameterResponse {
  name: string;
  type: ParamType;
  required: boolean;
  secret: boolean;
  hasDefault: boolean;
  default?: ParamValue;
  options?: string[];
  description?: string;
}

/** A script in the library list; the fields of its current version, without the body. */
export interface ScriptSummaryResponse {
  id: string;
  name: string;
  description: string;
  tags: string[];
  /** Shipped with the server; cannot be edited or archived. */
  builtin: boolean;
  currentVersion: number;
  language: ScriptLanguage;
  /** SHA-256 (hex) of the current body. */
  sha256: string;
  defaultTimeoutSeconds: number;
  parameterCount: number;
  /** User id of the author; null for built-in scripts and deleted users. */
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** One entry of a script's version history. */
export interface ScriptVersionSummary {
  version: number;
  sha256: string;
  language: ScriptLanguage;
  createdBy: string | null;
  createdAt: string;
}

/** A script with its current version's body and parameters, and its history (newest first). */
export interface ScriptResponse extends ScriptSummaryResponse {
  body: string;
  parameters: ScriptParameterResponse[];
  versions: ScriptVersionSummary[];
}

/** The answer to `PATCH /api/scripts/:id`. */
export interface UpdateScriptResponse extends ScriptResponse {
  /**
   * Secret parameters whose default the new version does not keep: a technician who changes
   * a script must enter secret defaults again, so a changed body cannot read the old ones.
   */
  droppedSecretDefaults: string[];
}

/** `GET /api/scripts/:id/versions/:version`: one immutable revision. */
export interface ScriptVersionResponse {
  scriptId: string;
  version: number;
  /** Whether this is the script's current version. */
  current: boolean;
  language: ScriptLanguage;
  body: string;
  sha256: string;
  parameters: ScriptParameterResponse[];
  defaultTimeoutSeconds: number;
  createdBy: string | null;
  createdAt: string;
}

/** Query of `GET /api/scripts`. `q` matches name and description; archived scripts only with `archived=true`. */
export interface ScriptListQuery extends PageQuery {
  q?: string;
  tag?: string;
  language?: ScriptLanguage;
  archived?: boolean;
}

/** Body of `POST /api/scripts`. */
export interface CreateScriptRequest {
  /** 1..100 characters, no control characters. */
  name: string;
  /** At most 2000 characters. */
  description?: string;
  language: ScriptLanguage;
  /** At most 256 KiB of UTF-8. */
  body: string;
  /** At most 32, unique names. */
  parameters?: ScriptParameterInput[];
  /** 1..86400, default 300. */
  defaultTimeoutSeconds?: number;
  /** At most 20. */
  tags?: string[];
}

/**
 * Body of `PATCH /api/scripts/:id`. Name, description and tags change in place; language, body,
 * parameters (replaced as a whole) or the default timeout make a new version.
 */
export type UpdateScriptRequest = Partial<CreateScriptRequest>;
