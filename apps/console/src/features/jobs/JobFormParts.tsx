import type { JobResponse } from '@fleetdesk/api-types';
import { Divider, Fieldset, SimpleGrid, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { post } from '../../api/client';
import { notifySuccess } from '../../lib/notify';
import { jobKeys } from './api';
import { RolloutFields, type RolloutDraft } from './RolloutFields';
import { buildTarget, initialTarget, TargetPicker, type TargetDraft } from './TargetPicker';

/**
 * What every job form holds besides its own part: where it runs (the picker's draft and the
 * target it builds, or why there is none) and how it rolls out, plus whether the technician
 * has tried to start it (errors show from then on).
 */
export function useJobDraft<R extends RolloutDraft>(
  presetIds: string[] | undefined,
  rollout: () => R,
) {
  const [target, setTarget] = useState<TargetDraft>(() => initialTarget(presetIds));
  const [rolloutDraft, setRollout] = useState<R>(rollout);
  const [attempted, setAttempted] = useState(false);
  const built = buildTarget(target, presetIds);
  return {
    presetIds,
    target,
    setTarget,
    built,
    /** The target's problem, once the technician has tried to start the job. */
    targetError: attempted && 'problem' in built ? built.problem : undefined,
    rollout: rolloutDraft,
    setRollout,
    attempted,
    setAttempted,
  };
}

export type JobDraft<R extends RolloutDraft> = ReturnType<typeof useJobDraft<R>>;

/**
 * The Rollout fieldset: the shared controls, with a form's own (a timeout, a trial time)
 * `before` or `after` them in the grid.
 */
export function RolloutSection<R extends RolloutDraft>({
  value,
  onChange,
  errors,
  noun,
  before,
  after,
}: {
  value: R;
  onChange: (update: (r: R) => R) => void;
  errors: Partial<Record<keyof RolloutDraft, string>>;
  /** What the job's runs do, plural ("collections"). */
  noun: string;
  before?: ReactNode;
  after?: ReactNode;
}) {
  return (
    <Fieldset legend="Rollout">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
        {before}
        <RolloutFields
          value={value}
          onChange={(update) => onChange((r) => ({ ...r, ...update(r) }))}
          errors={errors}
          noun={noun}
        />
        {after}
      </SimpleGrid>
    </Fieldset>
  );
}

/** Where the job runs and how it rolls out, as every job form lays them out. */
export function TargetAndRollout<R extends RolloutDraft>({
  job,
  errors,
  noun,
  heading = false,
  before,
  after,
}: {
  job: JobDraft<R>;
  errors: Partial<Record<keyof RolloutDraft, string>>;
  noun: string;
  /** A "Target" heading under a divider, where the form above is long. */
  heading?: boolean;
  before?: ReactNode;
  after?: ReactNode;
}) {
  return (
    <>
      {heading && (
        <>
          <Divider />
          <Title order={4} size="h5">
            Target
          </Title>
        </>
      )}
      <TargetPicker
        value={job.target}
        onChange={job.setTarget}
        presetIds={job.presetIds}
        error={job.targetError}
      />
      <RolloutSection
        value={job.rollout}
        onChange={job.setRollout}
        errors={errors}
        noun={noun}
        before={before}
        after={after}
      />
    </>
  );
}

/** "3 devices", "1 device". */
export const devicesCount = (n: number, noun = 'device') => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * Starts a job (POST `path`); on success the jobs lists refetch, the form closes with
 * `started(job)` as its notice, and the job's page opens.
 */
export function useStartJob<B>(
  path: string,
  started: (job: JobResponse) => string,
  onClose: () => void,
  onError?: (e: Error) => void,
) {
  const client = useQueryClient();
  const navigate = useNavigate();
  return useMutation({
    mutationFn: (body: B) => post<JobResponse>(path, body),
    onSuccess: (job) => {
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      notifySuccess(started(job));
      onClose();
      void navigate(`/jobs/${job.id}`);
    },
    onError,
  });
}
