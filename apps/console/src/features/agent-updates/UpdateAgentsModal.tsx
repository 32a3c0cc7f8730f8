import {
  AGENT_UPDATE_RULES,
  type AgentReleaseResponse,
  type CreateAgentUpdateRequest,
  type JobResponse,
} from '@fleetdesk/api-types';
import {
  Alert,
  Button,
  Divider,
  Fieldset,
  Group,
  Loader,
  Modal,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { errorMessage, get, post } from '../../api/client';
import { ErrorAlert } from '../../components/common';
import { notifySuccess } from '../../lib/notify';
import { jobKeys } from '../jobs/api';
import {
  initialRollout,
  optionalInt,
  RolloutFields,
  rolloutProblems,
  rolloutRequest,
  type RolloutDraft,
  wholeOrEmpty,
} from '../jobs/RolloutFields';
import { buildTarget, initialTarget, TargetPicker, type TargetDraft } from '../jobs/TargetPicker';

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
  const client = useQueryClient();
  const navigate = useNavigate();
  const release = useQuery({
    queryKey: ['agent-updates', 'release'],
    queryFn: () => get<AgentReleaseResponse>('/agent-updates/release'),
  });
  const [target, setTarget] = useState<TargetDraft>(() => initialTarget(presetIds));
  const [draft, setDraft] = useState<Draft>({
    ...initialRollout({ concurrency: 10, threshold: 20 }),
    trialSeconds: '',
  });
  const [attempted, setAttempted] = useState(false);
  const built = buildTarget(target, presetIds);
  const errors = attempted ? problems(draft) : {};

  const start = useMutation({
    mutationFn: (body: CreateAgentUpdateRequest) => post<JobResponse>('/agent-updates', body),
    onSuccess: (job) => {
      void client.invalidateQueries({ queryKey: jobKeys.lists });
      notifySuccess(`Updating ${job.counts.total} agent${job.counts.total === 1 ? '' : 's'}`);
      onClose();
      void navigate(`/jobs/${job.id}`);
    },
  });

  const submit = () => {
    setAttempted(true);
    if ('problem' in built || Object.keys(problems(draft)).length > 0) return;
    start.mutate({
      target: built.target,
      ...rolloutRequest(draft),
      trialTimeoutSeconds: optionalInt(draft.trialSeconds),
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
      <Divider />
      <Title order={4} size="h5">
        Target
      </Title>
      <TargetPicker
        value={target}
        onChange={setTarget}
        presetIds={presetIds}
        error={attempted && 'problem' in built ? built.problem : undefined}
      />
      <Fieldset legend="Rollout">
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
          <RolloutFields
            value={draft}
            onChange={(update) => setDraft((d) => ({ ...d, ...update(d) }))}
            errors={errors}
            noun="updates"
          />
          <NumberInput
            label="Trial time limit (seconds)"
            description="How long the new version has to connect before the agent rolls back"
            placeholder={`${TRIAL.default} (default)`}
            min={TRIAL.min}
            max={TRIAL.max}
            allowDecimal={false}
            value={draft.trialSeconds}
            onChange={(v) => setDraft((d) => ({ ...d, trialSeconds: v }))}
            error={errors.trialSeconds}
          />
        </SimpleGrid>
      </Fieldset>
      {start.isError && (
        <Alert color="red" role="alert" title="The update was not started">
          {errorMessage(start.error)}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
        <Button onClick={submit} loading={start.isPending}>
          Update agents
        </Button>
      </Group>
    </Stack>
  );
}

/** Admins: update the targeted agents to the version the server offers (a job). */
export function UpdateAgentsModal(props: {
  opened: boolean;
  onClose: () => void;
  presetIds?: string[];
}) {
  const phone = useMediaQuery('(max-width: 48em)') ?? false;
  return (
    <Modal
      opened={props.opened}
      onClose={props.onClose}
      title="Update agents"
      size="xl"
      fullScreen={phone}
    >
      {props.opened && <UpdateAgentsForm presetIds={props.presetIds} onClose={props.onClose} />}
    </Modal>
  );
}
