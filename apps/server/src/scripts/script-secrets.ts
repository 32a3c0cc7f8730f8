import type { ParamValue, ScriptParameter } from '@fleetdesk/api-types';
import { SecretBox } from '../secrets/secret-box';

/**
 * A parameter as the database holds it: a secret parameter's default is sealed into
 * `sealedDefault` and `default` is absent, so the row never holds the value in plain text.
 */
export interface StoredParameter extends ScriptParameter {
  sealedDefault?: string;
}

/** Binds a sealed default to its script, version and parameter: it opens nowhere else. */
const defaultAad = (scriptId: string, version: number, name: string) =>
  `script_version:${scriptId}:${version}:parameters.${name}.default`;

export const hasSecretDefault = (p: StoredParameter): boolean =>
  p.secret && (p.default !== undefined || p.sealedDefault !== undefined);

/** Seals every secret default of the version about to be written. */
export function sealParameters(
  box: SecretBox,
  scriptId: string,
  version: number,
  params: readonly StoredParameter[],
): StoredParameter[] {
  return params.map((p) => {
    if (!p.secret || p.default === undefined) return p;
    const { default: value, ...rest } = p;
    return {
      ...rest,
      sealedDefault: box.seal(JSON.stringify(value), defaultAad(scriptId, version, p.name)),
    };
  });
}

/** The version's parameters with secret defaults opened, for running and comparing only. */
export function openParameters(
  box: SecretBox,
  scriptId: string,
  version: number,
  params: readonly StoredParameter[],
): ScriptParameter[] {
  return params.map((p) => {
    if (p.sealedDefault === undefined) return p;
    const { sealedDefault, ...rest } = p;
    const value = JSON.parse(
      box.open(sealedDefault, defaultAad(scriptId, version, p.name)),
    ) as ParamValue;
    return { ...rest, default: value };
  });
}
