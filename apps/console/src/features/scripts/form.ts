import type {
  CreateScriptRequest,
  ScriptLanguage,
  ScriptResponse,
  ScriptVersionResponse,
} from '@fleetdesk/api-types';
import {
  hasErrors,
  type ParamDraft,
  type ParamErrors,
  paramFromResponse,
  paramToInput,
  validateParams,
} from './params';

export const MAX_BODY_BYTES = 256 * 1024;
export const MIN_TIMEOUT = 1;
export const MAX_TIMEOUT = 86_400;
export const MAX_TAGS = 20;
const TAG_PATTERN = /^[a-z0-9][a-z0-9._:-]*$/;
// eslint-disable-next-line no-control-regex -- the server refuses control characters in names
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

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
  else if (name.length > 100) fields.name = 'At most 100 characters';
  else if (CONTROL_CHARS.test(name)) fields.name = 'No control characters';
  if (f.description.length > 2000) fields.description = 'At most 2000 characters';
  if (f.tags.length > MAX_TAGS) fields.tags = `At most ${MAX_TAGS} tags`;
  else if (f.tags.some((t) => !TAG_PATTERN.test(t) || t.length > 64))
    fields.tags =
      'Tags are lowercase letters, digits and . _ : - (starting with a letter or digit)';
  const t = Number(f.timeout);
  if (f.timeout === '' || !Number.isInteger(t) || t < MIN_TIMEOUT || t > MAX_TIMEOUT)
    fields.timeout = `A whole number of seconds from ${MIN_TIMEOUT} to ${MAX_TIMEOUT}`;
  if (f.body.trim().length === 0) fields.body = 'The script is empty';
  else if (new TextEncoder().encode(f.body).length > MAX_BODY_BYTES)
    fields.body = 'At most 256 KiB';
  else if (f.body.includes('\u0000')) fields.body = 'Must not contain NUL characters';
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
