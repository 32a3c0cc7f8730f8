import {
  type CreateScriptRequest,
  hasNul,
  MAX_BODY_BYTES,
  MAX_SCRIPT_TAGS,
  NO_CONTROL_CHARS,
  SCRIPT_DESCRIPTION_MAX_LENGTH,
  SCRIPT_NAME_MAX_LENGTH,
  SCRIPT_TIMEOUT_SECONDS,
  type ScriptLanguage,
  type ScriptResponse,
  type ScriptVersionResponse,
  tagProblem,
  TAG_PATTERN_MESSAGE,
  utf8Bytes,
} from '@fleetdesk/api-types';
import {
  hasErrors,
  type ParamDraft,
  type ParamErrors,
  paramFromResponse,
  paramToInput,
  validateParams,
} from './params';

export const MIN_TIMEOUT = SCRIPT_TIMEOUT_SECONDS.min;
export const MAX_TIMEOUT = SCRIPT_TIMEOUT_SECONDS.max;
export const MAX_TAGS = MAX_SCRIPT_TAGS;

/** The editor's state of a script: what a create or update request is made of. */
export interface ScriptForm {
  name: string;
  description: string;
  language: ScriptLanguage;
  tags: string[];
  timeout: number | string;
  body: string;
  params: ParamDraft[];
}

const STARTERS: Record<ScriptLanguage, string> = {
  bash: '#!/usr/bin/env bash\nset -euo pipefail\n\n',
  sh: '#!/bin/sh\nset -eu\n\n',
  powershell: "$ErrorActionPreference = 'Stop'\n\n",
  python: 'import os\nimport sys\n\n',
  node: "'use strict';\n\n",
  cmd: '@echo off\r\n\r\n',
};

/** The starting text for a language, to replace an untouched body when the language changes. */
export const starterBody = (language: ScriptLanguage) => STARTERS[language];
export const isStarterBody = (body: string) =>
  body.trim() === '' || Object.values(STARTERS).includes(body);

export function blankForm(): ScriptForm {
  return {
    name: '',
    description: '',
    language: 'bash',
    tags: [],
    timeout: 300,
    body: STARTERS.bash,
    params: [],
  };
}

export function formFromScript(s: ScriptResponse): ScriptForm {
  return {
    name: s.name,
    description: s.description,
    language: s.language,
    tags: s.tags,
    timeout: s.defaultTimeoutSeconds,
    body: s.body,
    params: s.parameters.map(paramFromResponse),
  };
}

/** A version's content over the current form: name, description and tags are not versioned. */
export function formWithVersion(form: ScriptForm, v: ScriptVersionResponse): ScriptForm {
  return {
    ...form,
    language: v.language,
    body: v.body,
    timeout: v.defaultTimeoutSeconds,
    params: v.parameters.map(paramFromResponse),
  };
}

export function formToRequest(f: ScriptForm): CreateScriptRequest {
  return {
    name: f.name.trim(),
    description: f.description,
    language: f.language,
    body: f.body,
    parameters: f.params.map(paramToInput),
    defaultTimeoutSeconds: Number(f.timeout),
    tags: f.tags,
  };
}

export type FormField = 'name' | 'description' | 'language' | 'tags' | 'timeout' | 'body';

export interface FormErrors {
  fields: Partial<Record<FormField, string>>;
  params: ParamErrors[];
}

export function validateForm(f: ScriptForm): FormErrors {
  const fields: FormErrors['fields'] = {};
  const name = f.name.trim();
  if (name.length === 0) fields.name = 'Give the script a name';
  else if (name.length > SCRIPT_NAME_MAX_LENGTH)
    fields.name = `At most ${SCRIPT_NAME_MAX_LENGTH} characters`;
  else if (!NO_CONTROL_CHARS.test(name)) fields.name = 'No control characters';
  if (f.description.length > SCRIPT_DESCRIPTION_MAX_LENGTH)
    fields.description = `At most ${SCRIPT_DESCRIPTION_MAX_LENGTH} characters`;
  if (f.tags.length > MAX_TAGS) fields.tags = `At most ${MAX_TAGS} tags`;
  else if (f.tags.some((t) => tagProblem(t) !== null))
    fields.tags = TAG_PATTERN_MESSAGE[0].toUpperCase() + TAG_PATTERN_MESSAGE.slice(1);
  const t = Number(f.timeout);
  if (f.timeout === '' || !Number.isInteger(t) || t < MIN_TIMEOUT || t > MAX_TIMEOUT)
    fields.timeout = `A whole number of seconds from ${MIN_TIMEOUT} to ${MAX_TIMEOUT}`;
  if (f.body.trim().length === 0) fields.body = 'The script is empty';
  else if (utf8Bytes(f.body) > MAX_BODY_BYTES) fields.body = 'At most 256 KiB';
  else if (hasNul(f.body)) fields.body = 'Must not contain NUL characters';
  return { fields, params: validateParams(f.params) };
}

export const formHasErrors = (e: FormErrors) =>
  Object.keys(e.fields).length > 0 || hasErrors(e.params);

/** Server field paths (`name`, `parameters.2.default` …) onto the form's error slots. */
export function serverErrorsToForm(
  fieldErrors: { field: string; reason: string }[],
  paramCount: number,
): FormErrors {
  const out: FormErrors = { fields: {}, params: Array.from({ length: paramCount }, () => ({})) };
  for (const { field, reason } of fieldErrors) {
    const [head, index, prop] = field.split('.');
    if (head === 'parameters' && index !== undefined && prop !== undefined) {
      const slot = out.params[Number(index)];
      if (slot && ['name', 'type', 'default', 'options', 'description'].includes(prop))
        slot[prop as keyof ParamErrors] = reason;
      continue;
    }
    const key: FormField | null =
      head === 'defaultTimeoutSeconds'
        ? 'timeout'
        : ((['name', 'description', 'language', 'tags', 'body'] as const).find((k) => k === head) ??
          null);
    if (key) out.fields[key] = reason;
  }
  return out;
}

/** Client errors where present, else the server's, field by field. */
export function mergeErrors(client: FormErrors, server: FormErrors | null): FormErrors {
  if (!server) return client;
  return {
    fields: { ...server.fields, ...client.fields },
    params: client.params.map((p, i) => ({ ...(server.params[i] ?? {}), ...p })),
  };
}
