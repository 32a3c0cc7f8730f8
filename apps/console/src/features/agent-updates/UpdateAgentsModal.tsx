import {
  AGENT_UPDATE_RULES,
  type AgentReleaseResponse,
  type CreateAgentUpdateRequest,
  JOB_LIMITS,
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
import { buildTarget, initialTarget, TargetPicker, type TargetDraft } from '../jobs/TargetPicker';

const { maxConcurrency: CONCURRENCY, failureThresholdPercent: THRESHOLD } = JOB_LIMITS;
const TRIAL = AGENT_UPDATE_RULES.trialTimeoutSeconds;
const MAX_OFFLINE_MINUTES = JOB_LIMITS.offlineExpirySeconds.max / 60;

interface Draft {
  concurrency: number | string;
  threshold: number | string;
  offlineMinutes: number | string;
  trialSeconds: number | string;
}

const whole = (v: number | string, min: number, max: number) =>
  Number.isInteger(Number(v)) && Number(v) >= min && Number(v) <= max;

function problems(d: Draft): Partial<Record<keyof Draft, string>> {
  const out: Partial<Record<keyof Draft, string>> = {};
  if (d.concurrency !== '' && !whole(d.concurrency, CONCURRENCY.min, CONCURRENCY.max))
    out.concurrency = `A whole number from ${CONCURRENCY.min} to ${CONCURRENCY.max}`;
  if (d.threshold !== '' && !whole(d.threshold, THRESHOLD.min, THRESHOLD.max))
    out.threshold = `A percentage from ${THRESHOLD.min} to ${THRESHOLD.max}`;
  if (d.offlineMinutes === '' || !whole(d.offlineMinutes, 0, MAX_OFFLINE_MINUTES))
    out.offlineMinutes = `Minutes, 0 to ${MAX_OFFLINE_MINUTES}`;
  if (d.trialSeconds !== '' && !whole(d.trialSeconds, TRIAL.min, TRIAL.max))
    out.trialSeconds = `Whole seconds, ${TRIAL.min} to ${TRIAL.max}`;
  return out;
}

const optional = (v: number | string) => (v === '' ? undefined : Number(v));

function UpdateAgentsForm({ presetIds, onClose }: { presetIds?: string[]; onClose: () => void }) {
  const client = useQueryClient();
  const navigate = useNavigate();
  const release = useQuery({
    queryKey: ['agent-updates', 'release'],
    queryFn: () => get<AgentReleaseResponse>('/agent-updates/release'),
  });
  const [target, setTarget] = useState<TargetDraft>(() => initialTarget(presetIds));
  const [draft, setDraft] = useState<Draft>({
    concurrency: 10,
    threshold: 20,
    offlineMinutes: JOB_LIMITS.offlineExpirySeconds.default / 60,
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
      maxConcurrency: optional(draft.concurrency),
      failureThresholdPercent: optional(draft.threshold),
      offlineExpirySeconds: Number(draft.offlineMinutes) * 60,
      trialTimeoutSeconds: optional(draft.trialSeconds),
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
          <NumberInput
            label="Max devices at once"
            description="Concurrency limit; empty for no limit"
            placeholder="No limit"
            min={CONCURRENCY.min}
            allowDecimal={false}
            value={draft.concurrency}
            onChange={(v) => setDraft((d) => ({ ...d, concurrency: v }))}
            error={errors.concurrency}
          />
          <NumberInput
            label="Stop when failures exceed (%)"
            description="Cancels the pending updates once more than this share failed"
            placeholder="Never stop"
            min={THRESHOLD.min}
            max={THRESHOLD.max}
            allowDecimal={false}
            suffix=" %"
            value={draft.threshold}
            onChange={(v) => setDraft((d) => ({ ...d, threshold: v }))}
            error={errors.threshold}
          />
          <NumberInput
            label="Wait for offline devices (minutes)"
            description="Updates for devices still offline after this expire"
            min={0}
            max={MAX_OFFLINE_MINUTES}
            allowDecimal={false}
            value={draft.offlineMinutes}
            onChange={(v) => setDraft((d) => ({ ...d, offlineMinutes: v }))}
            error={errors.offlineMinutes}
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
