import {
  type CreateJobRequest,
  JOB_LIMITS,
  SCRIPT_TIMEOUT_SECONDS,
  type ScriptResponse,
  type ScriptSummaryResponse,
} from '@fleetdesk/api-types';
import {
  Alert,
  Badge,
  Fieldset,
  Group,
  Loader,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { ErrorAlert } from '../../components/common';
import { FormActions, FormModal, optionalNumber } from '../../components/forms';
import { notifyError } from '../../lib/notify';
import { useScript, useScripts } from '../scripts/api';
import { languageLabel } from '../scripts/languages';
import { CommandBox, type CommandDraft, commandProblem } from './CommandBox';
import { devicesCount, TargetAndRollout, useJobDraft, useStartJob } from './JobFormParts';
import { type ParamTexts, ParamValuesForm, paramValueProblem, paramsToSend } from './ParamValues';
import {
  initialRollout,
  rolloutProblems,
  rolloutRequest,
  type RolloutDraft,
  wholeOrEmpty,
} from './RolloutFields';

export interface RunScriptTarget {
  deviceIds?: string[];
}

interface Rollout extends RolloutDraft {
  timeout: number | string;
}

const { timeoutSeconds: TIMEOUT } = JOB_LIMITS;

function jobRolloutProblems(r: Rollout): Partial<Record<keyof Rollout, string>> {
  const out: Partial<Record<keyof Rollout, string>> = rolloutProblems(r);
  if (!wholeOrEmpty(r.timeout, TIMEOUT.min, TIMEOUT.max))
    out.timeout = `Whole seconds, ${TIMEOUT.min} to ${TIMEOUT.max}`;
  return out;
}

function ScriptPicker({
  value,
  onChange,
  selected,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  selected: ScriptResponse | undefined;
}) {
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 200);
  // Once a script is picked the input shows its name; that is not a search.
  const searching = q !== '' && q !== selected?.name;
  const list = useScripts({ q: searching ? q : undefined, pageSize: 100 });
  const items: ScriptSummaryResponse[] = list.data?.items ?? [];
  const byId = new Map(items.map((s) => [s.id, s]));
  const data = items.map((s) => ({ value: s.id, label: s.name }));
  if (selected && !byId.has(selected.id))
    data.unshift({ value: selected.id, label: selected.name });

  return (
    <Select
      label="Script"
      placeholder="Search the library"
      data={data}
      value={value}
      onChange={(id) => onChange(id)}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={list.isFetching ? 'Searching…' : 'No script matches'}
      rightSection={list.isFetching ? <Loader size="xs" /> : undefined}
      error={list.isError ? errorMessage(list.error) : undefined}
      required
      data-autofocus
      renderOption={({ option }) => {
        const s = byId.get(option.value);
        return (
          <Stack gap={0}>
            <Group gap={6}>
              <Text size="sm">{option.label}</Text>
              {s?.builtin && (
                <Badge size="xs" variant="outline" color="gray">
                  built-in
                </Badge>
              )}
            </Group>
            {s && (
              <Text size="xs" c="dimmed" lineClamp={1}>
                {languageLabel(s.language)} · v{s.currentVersion}
                {s.description ? ` · ${s.description}` : ''}
              </Text>
            )}
          </Stack>
        );
      }}
    />
  );
}

function RunScriptForm({
  target: preset,
  initialScriptId,
  onClose,
}: {
  target?: RunScriptTarget;
  initialScriptId?: string;
  onClose: () => void;
}) {
  const [mode, setMode] = useState<'script' | 'command'>('script');
  const [command, setCommand] = useState<CommandDraft>({ language: 'bash', body: '' });
  const [scriptId, setScriptId] = useState<string | null>(initialScriptId ?? null);
  const [texts, setTexts] = useState<ParamTexts>({});
  const [paramServerError, setParamServerError] = useState<{ name: string; reason: string } | null>(
    null,
  );
  const job = useJobDraft<Rollout>(preset?.deviceIds, () => ({ ...initialRollout(), timeout: '' }));
  const { rollout, attempted, built: builtTarget } = job;
  const [name, setName] = useState('');
  const script = useScript(scriptId);
  const s = script.data;
  const params = s?.parameters ?? [];

  const paramErrors: Record<string, string | undefined> = {};
  for (const p of params) {
    const problem = paramValueProblem(p, texts);
    if (problem && attempted) paramErrors[p.name] = problem;
    if (paramServerError?.name === p.name) paramErrors[p.name] ??= paramServerError.reason;
  }
  const rolloutErrors = jobRolloutProblems(rollout);

  const run = useStartJob<CreateJobRequest>(
    '/jobs',
    (started) => `Started “${started.name}” on ${devicesCount(started.counts.total)}`,
    onClose,
    (e) => {
      // "Parameter NAME: reason" from the server: put it under that field.
      const m =
        e instanceof ApiError ? /^Parameter ([A-Z][A-Z0-9_]*): (.*)$/.exec(e.message) : null;
      if (m) setParamServerError({ name: m[1], reason: m[2] });
      notifyError(e, 'The job was not started');
    },
  );

  const submit = () => {
    job.setAttempted(true);
    if (mode === 'command') {
      if (commandProblem(command) || 'problem' in builtTarget || Object.keys(rolloutErrors).length)
        return;
      run.mutate({
        name: name.trim() ? name.trim().slice(0, JOB_LIMITS.nameLength) : undefined,
        command: { language: command.language, body: command.body },
        target: builtTarget.target,
        timeoutSeconds: optionalNumber(rollout.timeout),
        ...rolloutRequest(rollout),
      });
      return;
    }
    if (!s) return;
    const hasParamProblem = params.some((p) => paramValueProblem(p, texts) !== null);
    if (hasParamProblem || 'problem' in builtTarget || Object.keys(rolloutErrors).length) return;
    run.mutate({
      name: (name.trim() || s.name).slice(0, JOB_LIMITS.nameLength),
      script: { id: s.id, version: s.currentVersion, params: paramsToSend(params, texts) },
      target: builtTarget.target,
      timeoutSeconds: optionalNumber(rollout.timeout),
      ...rolloutRequest(rollout),
    });
  };

  const archived = Boolean(s?.archivedAt);

  return (
    <Stack gap="md">
      <SegmentedControl
        aria-label="What to run"
        data={[
          { value: 'script', label: 'From the library' },
          { value: 'command', label: 'One-off command' },
        ]}
        value={mode}
        onChange={(v) => setMode(v)}
      />
      {mode === 'command' && (
        <CommandBox
          value={command}
          onChange={setCommand}
          error={attempted ? (commandProblem(command) ?? undefined) : undefined}
        />
      )}
      {mode === 'script' && (
        <ScriptPicker
          value={scriptId}
          selected={s}
          onChange={(id) => {
            setScriptId(id);
            setTexts({});
            setParamServerError(null);
          }}
        />
      )}
      {mode === 'script' && attempted && !scriptId && (
        <Text size="sm" c="red" role="alert">
          Choose a script to run
        </Text>
      )}
      {mode === 'script' && scriptId && script.isPending && (
        <Loader size="sm" aria-label="Loading script" />
      )}
      {mode === 'script' && script.isError && (
        <ErrorAlert error={script.error} onRetry={() => void script.refetch()} />
      )}
      {mode === 'script' && s && (
        <>
          <Group gap="xs">
            <Badge variant="light" style={{ textTransform: 'none' }}>
              {languageLabel(s.language)}
            </Badge>
            <Badge variant="outline" color="gray" style={{ textTransform: 'none' }}>
              version {s.currentVersion}
            </Badge>
            {s.description && (
              <Text size="sm" c="dimmed" style={{ flex: 1 }} lineClamp={2}>
                {s.description}
              </Text>
            )}
          </Group>
          {archived && (
            <Alert color="red" title="Archived script">
              This script was deleted from the library and cannot be run.
            </Alert>
          )}
          <Fieldset legend="Parameters" variant="filled">
            <ParamValuesForm
              params={params}
              texts={texts}
              errors={paramErrors}
              onChange={(n, text) => {
                setTexts((t) => ({ ...t, [n]: text }));
                if (paramServerError?.name === n) setParamServerError(null);
              }}
            />
          </Fieldset>
        </>
      )}

      <TargetAndRollout
        job={job}
        errors={rolloutErrors}
        noun="runs"
        heading
        before={
          <NumberInput
            label="Timeout (seconds)"
            description="Each run is stopped after this"
            placeholder={
              mode === 'command'
                ? `${SCRIPT_TIMEOUT_SECONDS.default} (default)`
                : s
                  ? `${s.defaultTimeoutSeconds} (script default)`
                  : 'Script default'
            }
            min={TIMEOUT.min}
            max={TIMEOUT.max}
            allowDecimal={false}
            value={rollout.timeout}
            onChange={(v) => job.setRollout((r) => ({ ...r, timeout: v }))}
            error={rolloutErrors.timeout}
          />
        }
      />

      <TextInput
        label="Job name"
        description="Shown in the jobs list"
        placeholder={
          mode === 'command' ? 'The command’s first line' : (s?.name ?? 'The script’s name')
        }
        value={name}
        onChange={(e) => setName(e.currentTarget.value)}
        maxLength={JOB_LIMITS.nameLength}
      />

      <FormActions
        error={run.error}
        errorTitle="The job was not started"
        onCancel={onClose}
        onSubmit={submit}
        submitLabel="Run"
        loading={run.isPending}
        disabled={mode === 'script' && archived}
      />
    </Stack>
  );
}

/** Choose a script, its parameters, the target and rollout controls, then start a job. */
export function RunScriptModal(props: {
  opened: boolean;
  onClose: () => void;
  target?: RunScriptTarget;
  /** Preselects a script (from the library or the editor). */
  initialScriptId?: string;
}) {
  return (
    <FormModal opened={props.opened} onClose={props.onClose} title="Run script" fullScreenOnPhone>
      <RunScriptForm
        target={props.target}
        initialScriptId={props.initialScriptId}
        onClose={props.onClose}
      />
    </FormModal>
  );
}
