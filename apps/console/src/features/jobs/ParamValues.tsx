import {
  MAX_PARAM_VALUE_BYTES,
  NUMBER_TEXT,
  type ParamValue,
  type ScriptParameterResponse,
  utf8Bytes,
} from '@fleetdesk/api-types';
import { NumberInput, PasswordInput, Select, Stack, Text, TextInput } from '@mantine/core';

/** What the technician typed per parameter; absent means "use the default". */
export type ParamTexts = Record<string, string>;

/** The value a field shows: what was typed, else the (non-secret) default. */
export function shownText(p: ScriptParameterResponse, texts: ParamTexts): string {
  if (p.name in texts) return texts[p.name];
  return p.default === undefined ? '' : String(p.default);
}

/** Why the value of one parameter cannot be sent, or null. */
export function paramValueProblem(p: ScriptParameterResponse, texts: ParamTexts): string | null {
  const text = shownText(p, texts);
  if (text === '') {
    if (p.required) return `${p.name} is required`;
    return null;
  }
  switch (p.type) {
    case 'number':
      return NUMBER_TEXT.test(text.trim()) ? null : 'Must be a number, e.g. 10 or 2.5';
    case 'boolean':
      return text === 'true' || text === 'false' ? null : 'Choose yes or no';
    case 'enum':
      return (p.options ?? []).includes(text)
        ? null
        : `Must be one of ${(p.options ?? []).join(', ')}`;
    case 'string':
      if (utf8Bytes(text) > MAX_PARAM_VALUE_BYTES) return 'At most 32 KiB';
      return text.includes('\u0000') ? 'Must not contain NUL characters' : null;
  }
}

/**
 * The `params` of a job request: typed values for every filled field. Empty optional fields
 * are left out, so the server applies the stored default (including secret ones).
 */
export function paramsToSend(
  params: ScriptParameterResponse[],
  texts: ParamTexts,
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const p of params) {
    const text = shownText(p, texts);
    if (text === '') continue;
    out[p.name] =
      p.type === 'number' ? Number(text.trim()) : p.type === 'boolean' ? text === 'true' : text;
  }
  return out;
}

function describe(p: ScriptParameterResponse): string | undefined {
  const parts: string[] = [];
  if (p.description) parts.push(p.description);
  if (p.secret && p.hasDefault && p.default === undefined)
    parts.push('Leave empty to use the stored secret default.');
  else if (!p.required && !p.hasDefault) parts.push('Optional.');
  return parts.join(' ') || undefined;
}

/** A form generated from a script's parameter definitions. */
export function ParamValuesForm({
  params,
  texts,
  errors,
  onChange,
}: {
  params: ScriptParameterResponse[];
  texts: ParamTexts;
  errors: Record<string, string | undefined>;
  onChange: (name: string, text: string) => void;
}) {
  if (params.length === 0)
    return (
      <Text size="sm" c="dimmed">
        This script takes no parameters.
      </Text>
    );
  return (
    <Stack gap="sm" data-testid="param-values">
      {params.map((p) => {
        const common = {
          label: p.name,
          description: describe(p),
          required: p.required,
          error: errors[p.name],
          styles: { label: { fontFamily: 'var(--mantine-font-family-monospace)' } },
        };
        const value = shownText(p, texts);
        switch (p.type) {
          case 'number':
            return (
              <NumberInput
                key={p.name}
                {...common}
                value={value}
                onChange={(v) => onChange(p.name, String(v))}
              />
            );
          case 'boolean':
            return (
              <Select
                key={p.name}
                {...common}
                data={[
                  { value: 'true', label: 'Yes (true)' },
                  { value: 'false', label: 'No (false)' },
                ]}
                value={value || null}
                onChange={(v) => onChange(p.name, v ?? '')}
                clearable={!p.required}
                placeholder="Not set"
              />
            );
          case 'enum':
            return (
              <Select
                key={p.name}
                {...common}
                data={p.options ?? []}
                value={value || null}
                onChange={(v) => onChange(p.name, v ?? '')}
                clearable={!p.required}
                searchable={(p.options ?? []).length > 8}
                placeholder="Choose one"
              />
            );
          case 'string':
            return p.secret ? (
              <PasswordInput
                key={p.name}
                {...common}
                value={value}
                onChange={(e) => onChange(p.name, e.currentTarget.value)}
                autoComplete="off"
                placeholder={p.hasDefault ? '•••••• (stored default)' : undefined}
              />
            ) : (
              <TextInput
                key={p.name}
                {...common}
                value={value}
                onChange={(e) => onChange(p.name, e.currentTarget.value)}
              />
            );
        }
      })}
    </Stack>
  );
}
