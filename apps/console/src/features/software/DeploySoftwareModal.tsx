import {
  type CreateJobRequest,
  type JobSoftwareSpec,
  PACKAGE_MANAGERS,
  type PackageManager,
  managersChoosingVersion,
  type PackageChange,
  packageNameProblem,
  packageVersionProblem,
  packageVersionRefusal,
  SOFTWARE_OPERATIONS,
  type SoftwareOperation,
  type SoftwareTitleResponse,
} from '@fleetdesk/api-types';
import {
  Checkbox,
  Fieldset,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { FormActions, FormModal } from '../../components/forms';
import { devicesCount, TargetAndRollout, useJobDraft, useStartJob } from '../jobs/JobFormParts';
import { initialRollout, rolloutProblems, rolloutRequest } from '../jobs/RolloutFields';
import { useInstallers, useTitles } from './api';

type Source = 'title' | 'installer' | 'package';

const OPERATION_LABELS: Record<SoftwareOperation, string> = {
  install: 'Install',
  uninstall: 'Uninstall',
  upgrade: 'Upgrade',
  apply_updates: 'Apply updates',
};

export interface DeployPreset {
  titleId?: string;
  installerId?: string;
}

interface Draft {
  operation: SoftwareOperation;
  source: Source;
  titleId: string | null;
  installerId: string | null;
  manager: PackageManager;
  name: string;
  version: string;
  securityOnly: boolean;
}

/** What is wrong with the software part, field by field (the server checks it all again). */
function softwareProblems(
  d: Draft,
  titles: readonly SoftwareTitleResponse[],
): Partial<Record<keyof Draft, string>> {
  const out: Partial<Record<keyof Draft, string>> = {};
  if (d.operation === 'apply_updates') return out;
  if (d.source === 'title' && !d.titleId) out.titleId = 'Pick a title';
  if (d.source === 'installer') {
    if (!d.installerId) out.installerId = 'Pick an installer';
    if (d.operation !== 'install') out.installerId = 'An installer can only be installed';
  }
  if (d.source === 'package') {
    const problem = packageNameProblem(d.manager, d.name.trim());
    if (problem) out.name = problem;
  }
  const version = d.version.trim();
  if (version && d.source !== 'installer') {
    // The managers this version goes to: the one package's, or each of the title's. Whether
    // each can take a version for this operation is the shared table (api-types packages.ts).
    const managers =
      d.source === 'package'
        ? [d.manager]
        : (titles.find((t) => t.id === d.titleId)?.packages ?? []).map((p) => p.manager);
    for (const m of managers) {
      const problem = packageVersionProblem(m, version, d.operation);
      if (problem) {
        out.version = managers.length > 1 ? `${m}: ${problem}` : problem;
        break;
      }
    }
  }
  return out;
}

const VERSION_HELP: Record<PackageChange, string> = {
  install: "Install exactly this version; a title's own pins apply otherwise",
  upgrade: 'Upgrade to exactly this version (never to an older one); the newest otherwise',
  uninstall: 'Remove only this version, where several are installed side by side',
};

/** The version field's help: why the chosen manager cannot take one, or what it does. */
function versionHelp(d: Draft): string {
  if (d.operation === 'apply_updates') return '';
  const refusal = d.source === 'package' ? packageVersionRefusal(d.manager, d.operation) : null;
  if (refusal) return refusal;
  const managers = managersChoosingVersion(d.operation);
  return `${VERSION_HELP[d.operation]}. Only with ${managers.join(', ')}.`;
}

function toSpec(d: Draft): JobSoftwareSpec {
  if (d.operation === 'apply_updates')
    return { operation: 'apply_updates', securityOnly: d.securityOnly };
  const version = d.version.trim() ? { version: d.version.trim() } : {};
  if (d.source === 'installer') return { operation: d.operation, installerId: d.installerId! };
  if (d.source === 'title') return { operation: d.operation, titleId: d.titleId!, ...version };
  return {
    operation: d.operation,
    package: { manager: d.manager, name: d.name.trim() },
    ...version,
  };
}

function DeployForm({ preset, onClose }: { preset?: DeployPreset; onClose: () => void }) {
  const titles = useTitles();
  const installers = useInstallers();
  const job = useJobDraft(undefined, () => initialRollout({ concurrency: 10, threshold: 20 }));
  const { rollout, attempted, built } = job;
  const [draft, setDraft] = useState<Draft>({
    operation: 'install',
    source: preset?.installerId ? 'installer' : preset?.titleId ? 'title' : 'title',
    titleId: preset?.titleId ?? null,
    installerId: preset?.installerId ?? null,
    manager: 'apt',
    name: '',
    version: '',
    securityOnly: false,
  });
  const titleList = titles.data ?? [];
  const errors = attempted
    ? { ...softwareProblems(draft, titleList), ...rolloutProblems(rollout) }
    : {};
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));

  const start = useStartJob<CreateJobRequest>(
    '/jobs',
    (started) => `Deploying to ${devicesCount(started.counts.total)}`,
    onClose,
  );

  const submit = () => {
    job.setAttempted(true);
    const problems = { ...softwareProblems(draft, titleList), ...rolloutProblems(rollout) };
    if ('problem' in built || Object.keys(problems).length > 0) return;
    start.mutate({ target: built.target, software: toSpec(draft), ...rolloutRequest(rollout) });
  };

  return (
    <Stack gap="md">
      <SegmentedControl
        aria-label="Operation"
        value={draft.operation}
        onChange={(v) => set({ operation: v })}
        data={SOFTWARE_OPERATIONS.map((o) => ({ value: o, label: OPERATION_LABELS[o] }))}
      />
      {draft.operation === 'apply_updates' ? (
        <Checkbox
          label="Security updates only (where the package manager says which those are)"
          checked={draft.securityOnly}
          onChange={(e) => set({ securityOnly: e.currentTarget.checked })}
        />
      ) : (
        <Fieldset legend="What">
          <Stack gap="xs">
            <SegmentedControl
              aria-label="Source"
              value={draft.source}
              onChange={(v) => set({ source: v })}
              data={[
                { value: 'title', label: 'Catalogue title' },
                { value: 'installer', label: 'Uploaded installer' },
                { value: 'package', label: 'One package' },
              ]}
            />
            {draft.source === 'title' && (
              <Select
                label="Title"
                searchable
                data={(titles.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
                value={draft.titleId}
                onChange={(v) => set({ titleId: v })}
                error={errors.titleId}
              />
            )}
            {draft.source === 'installer' && (
              <Select
                label="Installer"
                searchable
                data={(installers.data ?? []).map((i) => ({
                  value: i.id,
                  label: `${i.fileName} (${i.sha256.slice(0, 12)}…)`,
                }))}
                value={draft.installerId}
                onChange={(v) => set({ installerId: v })}
                error={errors.installerId}
              />
            )}
            {draft.source === 'package' && (
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
                <Select
                  label="Package manager"
                  data={[...PACKAGE_MANAGERS]}
                  value={draft.manager}
                  onChange={(v) => v && set({ manager: v })}
                  allowDeselect={false}
                />
                <TextInput
                  label="Package"
                  value={draft.name}
                  onChange={(e) => set({ name: e.currentTarget.value })}
                  error={errors.name}
                />
              </SimpleGrid>
            )}
            {draft.source !== 'installer' && (
              <TextInput
                label="Version (optional)"
                description={versionHelp(draft)}
                value={draft.version}
                onChange={(e) => set({ version: e.currentTarget.value })}
                error={errors.version}
              />
            )}
          </Stack>
        </Fieldset>
      )}
      <TargetAndRollout job={job} errors={errors} noun="deployments" />
      <FormActions
        error={start.error}
        errorTitle="The deployment was not started"
        onCancel={onClose}
        onSubmit={submit}
        submitLabel="Deploy"
        loading={start.isPending}
      />
    </Stack>
  );
}

/** Technicians: install, uninstall, upgrade or apply updates on the targeted devices (a job). */
export function DeploySoftwareModal(props: {
  opened: boolean;
  onClose: () => void;
  preset?: DeployPreset;
}) {
  return (
    <FormModal
      opened={props.opened}
      onClose={props.onClose}
      title="Deploy software"
      fullScreenOnPhone
    >
      <DeployForm preset={props.preset} onClose={props.onClose} />
    </FormModal>
  );
}
