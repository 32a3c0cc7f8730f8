import {
  AGENT_UPDATE_RULES,
  type AgentReleaseResponse,
  type CreateAgentUpdateRequest,
} from '@fleetdesk/api-types';
import { Alert, Loader, NumberInput, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { get } from '../../api/client';
import { ErrorAlert } from '../../components/common';
import { FormActions, FormModal, optionalNumber } from '../../components/forms';
import { devicesCount, TargetAndRollout, useJobDraft, useStartJob } from '../jobs/JobFormParts';
import {
  initialRollout,
  rolloutProblems,
  rolloutRequest,
  type RolloutDraft,
  wholeOrEmpty,
} from '../jobs/RolloutFields';

const TRIAL = AGENT_UPDATE_RULES.trialTimeoutSeconds;

interface Draft extends RolloutDraft {
  trialSeconds: number | string;
}

function problems(d: Draft): Partial<Record<keyof Draft, string>> {
  const out: Partial<Record<keyof Draft, string>> = rolloutProblems(d);
  if (!wholeOrEmpty(d.trialSeconds, TRIAL.min, TRIAL.max))
    out.trialSeconds = `Whole seconds, ${TRIAL.min} to ${TRIAL.max}`;
  return out;
}

function UpdateAgentsForm({ presetIds, onClose }: { presetIds?: string[]; onClose: () => void }) {
  const release = useQuery({
    queryKey: ['agent-updates', 'release'],
    queryFn: () => get<AgentReleaseResponse>('/agent-updates/release'),
  });
  const job = useJobDraft<Draft>(presetIds, () => ({
    ...initialRollout({ concurrency: 10, threshold: 20 }),
    trialSeconds: '',
  }));
  const { rollout: draft, built } = job;
  const errors = job.attempted ? problems(draft) : {};

  const start = useStartJob<CreateAgentUpdateRequest>(
    '/agent-updates',
    (started) => `Updating ${devicesCount(started.counts.total, 'agent')}`,
    onClose,
  );

  const submit = () => {
    job.setAttempted(true);
    if ('problem' in built || Object.keys(problems(draft)).length > 0) return;
    start.mutate({
      target: built.target,
      ...rolloutRequest(draft),
      trialTimeoutSeconds: optionalNumber(draft.trialSeconds),
    });
  };

  if (release.isPending) return <Loader size="sm" aria-label="Loading the offered version" />;
  if (release.isError)
    return <ErrorAlert error={release.error} onRetry={() => void release.refetch()} />;
  const version = release.data.version;
  if (!version)
    return (
      <Alert color="orange" title="No agent version to offer">
        This server has no agent builds. Build them with <code>npm run build:agent</code> (or point
        AGENT_BINARIES_DIR at them).
      </Alert>
    );

  return (
    <Stack gap="md">
      <Text size="sm">
        Targeted agents download version <b>{version}</b> (
        {release.data.platforms.map((p) => p.platform).join(', ')}), check its signature, try it,
        and replace themselves only if it connects; otherwise they keep their version and the run
        fails with the reason. Devices that are offline get it when they return.
      </Text>
      <TargetAndRollout
        job={job}
        errors={errors}
        noun="updates"
        heading
        after={
          <NumberInput
            label="Trial time limit (seconds)"
            description="How long the new version has to connect before the agent rolls back"
            placeholder={`${TRIAL.default} (default)`}
            min={TRIAL.min}
            max={TRIAL.max}
            allowDecimal={false}
            value={draft.trialSeconds}
            onChange={(v) => job.setRollout((d) => ({ ...d, trialSeconds: v }))}
            error={errors.trialSeconds}
          />
        }
      />
      <FormActions
        error={start.error}
        errorTitle="The update was not started"
        onCancel={onClose}
        onSubmit={submit}
        submitLabel="Update agents"
        loading={start.isPending}
      />
    </Stack>
  );
}

/** Admins: update the targeted agents to the version the server offers (a job). */
export function UpdateAgentsModal(props: {
  opened: boolean;
  onClose: () => void;
  presetIds?: string[];
}) {
  return (
    <FormModal
      opened={props.opened}
      onClose={props.onClose}
      title="Update agents"
      fullScreenOnPhone
    >
      <UpdateAgentsForm presetIds={props.presetIds} onClose={props.onClose} />
    </FormModal>
  );
}
