import { LOG_SEARCH_RULES } from '@fleetdesk/api-types';
import {
  Checkbox,
  Group,
  NumberInput,
  SegmentedControl,
  SimpleGrid,
  TextInput,
} from '@mantine/core';
import {
  localToIso,
  patternProblem,
  type PatternDraft,
  wholeProblem,
  windowProblems,
  type WindowDraft,
} from './sources';

/** A search's query as typed: what to find, when, and how much context to bring back. */
export interface QueryDraft extends PatternDraft, WindowDraft {
  context: number | string;
}

export const initialQuery = (): QueryDraft => ({
  mode: 'substring',
  pattern: '',
  ignoreCase: true,
  since: '',
  until: '',
  context: LOG_SEARCH_RULES.context.default,
});

export function queryProblems(q: QueryDraft): Partial<Record<keyof QueryDraft, string>> {
  const out: Partial<Record<keyof QueryDraft, string>> = { ...windowProblems(q) };
  const p = patternProblem(q);
  if (p) out.pattern = p;
  const c = wholeProblem(q.context, LOG_SEARCH_RULES.context, 'Context lines');
  if (c) out.context = c;
  return out;
}

/** The request fields both searches share (devices and stored bundles). */
export function queryRequest(q: QueryDraft) {
  const since = localToIso(q.since);
  const until = localToIso(q.until);
  return {
    query: { mode: q.mode, pattern: q.pattern, ignoreCase: q.ignoreCase },
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(q.context !== '' ? { context: Number(q.context) } : {}),
  };
}

export function QueryFields({
  value,
  onChange,
  errors,
  onSubmit,
}: {
  value: QueryDraft;
  onChange: (next: QueryDraft) => void;
  errors: Partial<Record<keyof QueryDraft, string>>;
  onSubmit: () => void;
}) {
  const set = (patch: Partial<QueryDraft>) => onChange({ ...value, ...patch });
  return (
    <>
      <Group gap="sm" align="flex-end" wrap="wrap">
        <TextInput
          label="Search for"
          placeholder={value.mode === 'regex' ? 'timeout|refused' : 'connection refused'}
          value={value.pattern}
          onChange={(e) => set({ pattern: e.currentTarget.value })}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onSubmit();
          }}
          error={errors.pattern}
          style={{ flex: '1 1 240px' }}
        />
        <SegmentedControl
          aria-label="Match"
          value={value.mode}
          onChange={(m) => set({ mode: m })}
          data={[
            { value: 'substring', label: 'Text' },
            { value: 'regex', label: 'Regex' },
          ]}
        />
        <Checkbox
          mb={8}
          label="Ignore case"
          checked={value.ignoreCase}
          onChange={(e) => set({ ignoreCase: e.currentTarget.checked })}
        />
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm" verticalSpacing="xs">
        <TextInput
          type="datetime-local"
          label="Since (optional)"
          value={value.since}
          onChange={(e) => set({ since: e.currentTarget.value })}
          error={errors.since}
        />
        <TextInput
          type="datetime-local"
          label="Until (optional)"
          value={value.until}
          onChange={(e) => set({ until: e.currentTarget.value })}
          error={errors.until}
        />
        <NumberInput
          label="Context lines"
          min={LOG_SEARCH_RULES.context.min}
          max={LOG_SEARCH_RULES.context.max}
          allowDecimal={false}
          value={value.context}
          onChange={(v) => set({ context: v })}
          error={errors.context}
        />
      </SimpleGrid>
    </>
  );
}
