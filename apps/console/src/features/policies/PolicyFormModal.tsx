import { POLICY_LIMITS, type PolicyResponse } from '@fleetdesk/api-types';
import { MultiSelect, Stack, Text, Textarea } from '@mantine/core';
import { useState } from 'react';
import {
  FormActions,
  ItemFormModal,
  type ItemFormModalProps,
  NameField,
  useFormErrors,
} from '../../components/forms';
import { notifySuccess } from '../../lib/notify';
import { GroupsSelect, TagsSelect } from '../devices/FacetSelects';
import { useAgentChecks } from '../checks/api';
import { KIND_LABELS } from '../checks/look';
import { useSchedules } from '../schedules/api';
import { useSavePolicy } from './api';

interface Draft {
  name: string;
  description: string;
  tags: string[];
  groupIds: string[];
  scheduleIds: string[];
  checkIds: string[];
}

const draftOf = (p: PolicyResponse | null): Draft => ({
  name: p?.name ?? '',
  description: p?.description ?? '',
  tags: p?.target.tags ?? [],
  groupIds: p?.target.groups.map((g) => g.id) ?? [],
  scheduleIds: p?.schedules.map((s) => s.id) ?? [],
  checkIds: p?.checks.map((c) => c.id) ?? [],
});

function PolicyForm({ policy, onClose }: { policy: PolicyResponse | null; onClose: () => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(policy));
  const set = (patch: Partial<Draft>) => setD((prev) => ({ ...prev, ...patch }));
  // The schedules to bundle: the first page of 25 is not enough for a real library.
  const schedules = useSchedules(1, 100);
  const checks = useAgentChecks(1, 100);
  const save = useSavePolicy();

  const problems: Partial<Record<'name' | 'target', string>> = {};
  if (!d.name.trim()) problems.name = 'Give the policy a name';
  if (d.tags.length === 0 && d.groupIds.length === 0)
    problems.target = 'Attach it to at least one group or tag';
  const { err: shown, attempt } = useFormErrors(problems, save.error);

  // Schedules already in the policy stay listed even beyond the first page.
  const scheduleOptions = new Map(
    (policy?.schedules ?? []).map((s) => [s.id, s.name] as [string, string]),
  );
  for (const s of schedules.data?.items ?? []) scheduleOptions.set(s.id, s.name);
  const checkOptions = new Map(
    (policy?.checks ?? []).map((c) => [c.id, `${c.name} (${KIND_LABELS[c.kind]})`] as const),
  );
  for (const c of checks.data?.items ?? [])
    checkOptions.set(c.id, `${c.name} (${KIND_LABELS[c.kind]})`);

  const submit = () => {
    if (!attempt()) return;
    const body = {
      name: d.name.trim(),
      description: d.description.trim(),
      target: { tags: d.tags, groupIds: d.groupIds },
      scheduleIds: d.scheduleIds,
      checkIds: d.checkIds,
    };
    save.mutate(
      { id: policy?.id ?? null, body },
      {
        onSuccess: () => {
          notifySuccess(`Policy “${body.name}” ${policy ? 'saved' : 'created'}.`);
          onClose();
        },
      },
    );
  };

  return (
    <Stack>
      <NameField
        value={d.name}
        onChange={(name) => set({ name })}
        maxLength={POLICY_LIMITS.nameLength}
        error={shown('name')}
      />
      <Textarea
        label="Description"
        value={d.description}
        maxLength={POLICY_LIMITS.descriptionLength}
        autosize
        minRows={2}
        onChange={(e) => set({ description: e.currentTarget.value })}
      />
      <Text size="xs" c="dimmed">
        Every device in any of these groups or carrying any of these tags inherits the policy: each
        of its schedules also runs there, from its next occurrence, and each of its agent checks
        reaches the device’s agent at once, besides their own targets.
      </Text>
      <GroupsSelect
        label="Attached to groups"
        value={d.groupIds}
        onChange={(v) => set({ groupIds: v })}
        error={shown('target')}
      />
      <TagsSelect
        label="Attached to tags"
        value={d.tags}
        onChange={(v) => set({ tags: v })}
        error={shown('target')}
      />
      <MultiSelect
        label="Schedules"
        description="What the policy runs; create them on the Schedules page"
        data={[...scheduleOptions].map(([value, label]) => ({ value, label }))}
        value={d.scheduleIds}
        onChange={(v) => set({ scheduleIds: v })}
        searchable
        nothingFoundMessage={schedules.isPending ? 'Loading…' : 'No schedules'}
        maxValues={POLICY_LIMITS.schedules}
      />
      <MultiSelect
        label="Agent checks"
        description="What the agents of these devices check; create them on the Agent checks page"
        data={[...checkOptions].map(([value, label]) => ({ value, label }))}
        value={d.checkIds}
        onChange={(v) => set({ checkIds: v })}
        searchable
        nothingFoundMessage={checks.isPending ? 'Loading…' : 'No agent checks'}
        maxValues={POLICY_LIMITS.checks}
      />
      <FormActions
        error={save.error}
        onCancel={onClose}
        onSubmit={submit}
        submitLabel={policy ? 'Save policy' : 'Create policy'}
        loading={save.isPending}
      />
    </Stack>
  );
}

export function PolicyFormModal(props: ItemFormModalProps<PolicyResponse>) {
  return (
    <ItemFormModal
      {...props}
      newTitle="New automation policy"
      editTitle={(name) => `Edit policy: ${name}`}
      size="lg"
    >
      {(policy) => <PolicyForm policy={policy} onClose={props.onClose} />}
    </ItemFormModal>
  );
}
