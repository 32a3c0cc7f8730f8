import { type CreateLogCollectionRequest, LOG_COLLECTION_RULES } from '@fleetdesk/api-types';
import {
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { FormActions, FormModal } from '../../components/forms';
import { notifySuccess } from '../../lib/notify';
import { devicesCount, TargetAndRollout, useJobDraft } from '../jobs/JobFormParts';
import { initialRollout, rolloutProblems, rolloutRequest } from '../jobs/RolloutFields';
import { useCollectLogs } from './api';
import { SourcesEditor } from './SourcesEditor';
import {
  emptySource,
  localToIso,
  MB,
  maxMbProblem,
  patternProblem,
  type PatternDraft,
  sourceProblems,
  type SourceDraft,
  toSourceRequest,
  wholeProblem,
  windowProblems,
  type WindowDraft,
} from './sources';

const R = LOG_COLLECTION_RULES;

interface Options extends WindowDraft {
  lastLines: number | string;
  maxMb: number | string;
  filter: 'none' | PatternDraft['mode'];
  pattern: string;
  ignoreCase: boolean;
}

function optionProblems(o: Options): Partial<Record<keyof Options, string>> {
  const out: Partial<Record<keyof Options, string>> = { ...windowProblems(o) };
  const lines = wholeProblem(o.lastLines, R.lastLines, 'Last lines');
  if (lines) out.lastLines = lines;
  const mb = maxMbProblem(o.maxMb);
  if (mb) out.maxMb = mb;
  if (o.filter !== 'none') {
    const p = patternProblem({ mode: o.filter, pattern: o.pattern, ignoreCase: o.ignoreCase });
    if (p) out.pattern = p;
  }
  return out;
}

function toRequest(sources: SourceDraft[], o: Options): Omit<CreateLogCollectionRequest, 'target'> {
  const since = localToIso(o.since);
  const until = localToIso(o.until);
  return {
    sources: sources.map(toSourceRequest),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(o.lastLines !== '' ? { lastLines: Number(o.lastLines) } : {}),
    ...(o.maxMb !== '' ? { maxBytesPerSource: Math.round(Number(o.maxMb) * MB) } : {}),
    ...(o.filter !== 'none'
      ? { filter: { mode: o.filter, pattern: o.pattern, ignoreCase: o.ignoreCase } }
      : {}),
  };
}

function CollectForm({ presetIds, onClose }: { presetIds?: string[]; onClose: () => void }) {
  const navigate = useNavigate();
  const job = useJobDraft(presetIds, () => initialRollout());
  const { rollout, attempted, built } = job;
  const [sources, setSources] = useState<SourceDraft[]>([emptySource('file')]);
  const [options, setOptions] = useState<Options>({
    since: '',
    until: '',
    lastLines: '',
    maxMb: R.maxBytesPerSource.default / MB,
    filter: 'none',
    pattern: '',
    ignoreCase: false,
  });
  const collect = useCollectLogs();
  const sourceErrors = sourceProblems(sources);
  const errors = attempted ? { ...optionProblems(options), ...rolloutProblems(rollout) } : {};
  const set = (patch: Partial<Options>) => setOptions((o) => ({ ...o, ...patch }));

  const submit = () => {
    job.setAttempted(true);
    const problems = { ...optionProblems(options), ...rolloutProblems(rollout) };
    const sourcesBad = sourceErrors.some((e) => Object.keys(e).length > 0);
    if ('problem' in built || sourcesBad || Object.keys(problems).length > 0) return;
    collect.mutate(
      { target: built.target, ...toRequest(sources, options), ...rolloutRequest(rollout) },
      {
        onSuccess: (started) => {
          notifySuccess(`Collecting logs from ${devicesCount(started.counts.total)}`);
          onClose();
          void navigate(`/jobs/${started.id}`);
        },
      },
    );
  };

  return (
    <Stack gap="md">
      <Fieldset legend="What to collect">
        <SourcesEditor
          value={sources}
          onChange={setSources}
          errors={attempted ? sourceErrors : []}
        />
      </Fieldset>
      <Fieldset legend="Options">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
          <TextInput
            type="datetime-local"
            label="Since (optional)"
            description="Only lines stamped at or after (your local time)"
            value={options.since}
            onChange={(e) => set({ since: e.currentTarget.value })}
            error={errors.since}
          />
          <TextInput
            type="datetime-local"
            label="Until (optional)"
            description="Only lines stamped at or before"
            value={options.until}
            onChange={(e) => set({ until: e.currentTarget.value })}
            error={errors.until}
          />
          <NumberInput
            label="Last lines (optional)"
            description="Only the last N lines of each source"
            placeholder="All"
            min={R.lastLines.min}
            max={R.lastLines.max}
            allowDecimal={false}
            value={options.lastLines}
            onChange={(v) => set({ lastLines: v })}
            error={errors.lastLines}
          />
          <NumberInput
            label="Most per source (MB)"
            description="The newest bytes are kept; the admin's bundle limit also applies"
            min={0}
            value={options.maxMb}
            onChange={(v) => set({ maxMb: v })}
            error={errors.maxMb}
          />
        </SimpleGrid>
        <Stack gap="xs" mt="sm">
          <SegmentedControl
            aria-label="Filter"
            value={options.filter}
            onChange={(v) => set({ filter: v })}
            data={[
              { value: 'none', label: 'Every line' },
              { value: 'substring', label: 'Lines containing' },
              { value: 'regex', label: 'Lines matching a regex' },
            ]}
          />
          {options.filter !== 'none' && (
            <Group align="flex-start" gap="sm" grow>
              <TextInput
                label={options.filter === 'regex' ? 'Regular expression' : 'Text'}
                value={options.pattern}
                onChange={(e) => set({ pattern: e.currentTarget.value })}
                error={errors.pattern}
              />
              <Checkbox
                mt={30}
                label="Ignore case"
                checked={options.ignoreCase}
                onChange={(e) => set({ ignoreCase: e.currentTarget.checked })}
              />
            </Group>
          )}
        </Stack>
      </Fieldset>
      <TargetAndRollout job={job} errors={errors} noun="collections" />
      <FormActions
        error={collect.error}
        errorTitle="The collection was not started"
        onCancel={onClose}
        onSubmit={submit}
        submitLabel="Collect"
        loading={collect.isPending}
      />
    </Stack>
  );
}

/**
 * Technicians: collect log files, journald or the Event Log from the targeted devices. It is
 * a job (POST /api/log-collections), so the job page shows each device's progress.
 */
export function CollectLogsModal(props: {
  opened: boolean;
  onClose: () => void;
  presetIds?: string[];
}) {
  return (
    <FormModal opened={props.opened} onClose={props.onClose} title="Collect logs" fullScreenOnPhone>
      <CollectForm presetIds={props.presetIds} onClose={props.onClose} />
    </FormModal>
  );
}
