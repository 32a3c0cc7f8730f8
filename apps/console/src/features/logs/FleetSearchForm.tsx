import { Fieldset, SimpleGrid, Stack } from '@mantine/core';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { FormActions } from '../../components/forms';
import { useJobDraft } from '../jobs/JobFormParts';
import {
  initialRollout,
  RolloutFields,
  rolloutProblems,
  rolloutRequest,
} from '../jobs/RolloutFields';
import { TargetPicker } from '../jobs/TargetPicker';
import { useStartSearch } from './api';
import {
  initialQuery,
  QueryFields,
  queryProblems,
  queryRequest,
  type QueryDraft,
} from './QueryFields';
import { SourcesEditor } from './SourcesEditor';
import { emptySource, sourceProblems, type SourceDraft, toSourceRequest } from './sources';

/**
 * A fleet search: one query over the chosen sources of every targeted device (a job with the
 * search_logs action); its page then fills in device by device.
 */
export function FleetSearchForm() {
  const navigate = useNavigate();
  const [query, setQuery] = useState<QueryDraft>(initialQuery);
  const [sources, setSources] = useState<SourceDraft[]>([
    { ...emptySource('file'), path: '/var/log/syslog' },
  ]);
  const job = useJobDraft(undefined, () => initialRollout({ offlineMinutes: 60 }));
  const { rollout, setRollout, attempted, built } = job;
  const start = useStartSearch();
  const sourceErrors = sourceProblems(sources);
  const errors = attempted ? { ...queryProblems(query), ...rolloutProblems(rollout) } : {};

  const submit = () => {
    job.setAttempted(true);
    const problems = { ...queryProblems(query), ...rolloutProblems(rollout) };
    const sourcesBad = sourceErrors.some((e) => Object.keys(e).length > 0);
    if ('problem' in built || sourcesBad || Object.keys(problems).length > 0) return;
    start.mutate(
      {
        target: built.target,
        sources: sources.map(toSourceRequest),
        ...queryRequest(query),
        ...rolloutRequest(rollout),
      },
      { onSuccess: (job) => void navigate(`/logs/search/${job.id}`) },
    );
  };

  return (
    <Stack gap="md">
      <Fieldset legend="Find">
        <Stack gap="sm">
          <QueryFields value={query} onChange={setQuery} errors={errors} onSubmit={submit} />
        </Stack>
      </Fieldset>
      <Fieldset legend="In">
        <SourcesEditor
          value={sources}
          onChange={setSources}
          errors={attempted ? sourceErrors : []}
        />
      </Fieldset>
      <Fieldset legend="On">
        <TargetPicker value={job.target} onChange={job.setTarget} error={job.targetError} />
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm" verticalSpacing="xs" mt="sm">
          <RolloutFields
            value={rollout}
            onChange={(update) => setRollout((r) => ({ ...r, ...update(r) }))}
            errors={errors}
            noun="searches"
          />
        </SimpleGrid>
      </Fieldset>
      <FormActions
        error={start.error}
        errorTitle="The search was not started"
        onSubmit={submit}
        submitLabel="Search devices"
        loading={start.isPending}
      />
    </Stack>
  );
}
