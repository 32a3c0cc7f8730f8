import {
  type CreateScheduleRequest,
  JOB_LIMITS,
  SCHEDULE_LIMITS,
  SCHEDULE_OFFLINE_POLICIES,
  SCHEDULE_OFFLINE_POLICY_LABELS,
  type ScheduleOfflinePolicy,
  type ScheduleZoneMode,
} from '@fleetdesk/api-types';
import {
  Alert,
  Chip,
  Fieldset,
  Group,
  List,
  Loader,
  NumberInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { ErrorAlert } from '../../components/common';
import { FormActions, FormModal, NameField } from '../../components/forms';
import { formatDateTime } from '../../lib/format';
import { notifySuccess } from '../../lib/notify';
import { buildTarget, initialTarget, TargetPicker, type TargetDraft } from '../jobs/TargetPicker';
import {
  type ParamTexts,
  ParamValuesForm,
  paramValueProblem,
  paramsToSend,
} from '../jobs/ParamValues';
import { useScript, useScripts } from '../scripts/api';
import { type PreviewWhen, useCreateSchedule, usePreview } from './api';
import { browserZone, CRON_PRESETS } from './timing';

interface Draft {
  name: string;
  scriptId: string | null;
  kind: 'cron' | 'once';
  cron: string;
  runAt: string;
  zoneMode: ScheduleZoneMode;
  timeZone: string;
  offlinePolicy: ScheduleOfflinePolicy;
  spreadMinutes: number | string;
  expiryHours: number | string;
}

const initialDraft = (): Draft => ({
  name: '',
  scriptId: null,
  kind: 'cron',
  cron: CRON_PRESETS[0].value,
  runAt: '',
  zoneMode: 'device',
  timeZone: browserZone(),
  offlinePolicy: 'run_when_back',
  spreadMinutes: 0,
  expiryHours: 24,
});

const MAX_EXPIRY_HOURS = JOB_LIMITS.offlineExpirySeconds.max / 3600;

function whenOf(d: Draft): PreviewWhen | null {
  const timing = d.kind === 'cron' ? { cron: d.cron.trim() } : { runAt: d.runAt };
  if (!(timing.cron ?? timing.runAt)) return null;
  return { ...timing, zoneMode: d.zoneMode, timeZone: d.timeZone.trim() || 'UTC' };
}

/** The next occurrences as the server computes them, refreshed as the timing is typed. */
function NextOccurrences({ when }: { when: PreviewWhen | null }) {
  const [debounced] = useDebouncedValue(when, 300);
  const preview = usePreview(debounced);
  return (
    <Stack gap={4} data-testid="schedule-preview">
      <Text size="sm" fw={500}>
        Next occurrences
      </Text>
      {!debounced && <Text size="sm">Give a timing to see when it fires.</Text>}
      {preview.isFetching && !preview.data && <Loader size="xs" aria-label="Computing" />}
      {preview.isError && (
        <Text size="sm" c="red" data-testid="schedule-preview-error">
          {errorMessage(preview.error)}
        </Text>
      )}
      {preview.data && !preview.isError && (
        <>
          {preview.data.occurrences.length === 0 && <Text size="sm">It never fires again.</Text>}
          <List size="sm" spacing={2}>
            {preview.data.occurrences.map((o) => (
              <List.Item key={`${o.at} ${o.zone}`} data-testid="schedule-preview-item">
                {formatDateTime(o.at)}{' '}
                <Text span c="dimmed">
                  ({o.zone})
                </Text>
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Stack>
  );
}

function ScheduleForm({ onClose }: { onClose: () => void }) {
  const [d, setD] = useState<Draft>(initialDraft);
  const [target, setTarget] = useState<TargetDraft>(() => initialTarget(undefined));
  const [tried, setTried] = useState(false);
  const set = (patch: Partial<Draft>) => setD((prev) => ({ ...prev, ...patch }));
  const scripts = useScripts({ pageSize: 100 });
  const create = useCreateSchedule();
  // The chosen script's parameters, filled here and sent with every occurrence's job.
  const script = useScript(d.scriptId);
  const params = script.data?.parameters ?? [];
  const [texts, setTexts] = useState<ParamTexts>({});
  const paramErrors: Record<string, string | undefined> = {};
  for (const p of params) {
    const problem = paramValueProblem(p, texts);
    if (problem && tried) paramErrors[p.name] = problem;
  }

  const builtTarget = buildTarget(target, undefined);
  const problems: Partial<Record<keyof Draft | 'target', string>> = {};
  if (!d.name.trim()) problems.name = 'Give the schedule a name';
  if (!d.scriptId) problems.scriptId = 'Pick the script it runs';
  if (d.kind === 'cron' && !d.cron.trim()) problems.cron = 'Give a cron expression';
  if (d.kind === 'once' && !d.runAt) problems.runAt = 'Pick a date and time';
  if ('problem' in builtTarget) problems.target = builtTarget.problem;
  const spread = Number(d.spreadMinutes);
  if (!Number.isInteger(spread) || spread < 0 || spread > SCHEDULE_LIMITS.spreadMinutes.max)
    problems.spreadMinutes = `Whole minutes, 0 to ${SCHEDULE_LIMITS.spreadMinutes.max}`;
  const hours = Number(d.expiryHours);
  if (!(hours >= 0 && hours <= MAX_EXPIRY_HOURS))
    problems.expiryHours = `0 to ${MAX_EXPIRY_HOURS} hours`;
  const shown = (k: keyof typeof problems) => (tried ? problems[k] : undefined);

  const submit = () => {
    setTried(true);
    if (Object.keys(problems).length > 0 || 'problem' in builtTarget || !d.scriptId) return;
    if (!script.data || params.some((p) => paramValueProblem(p, texts) !== null)) return;
    const body: CreateScheduleRequest = {
      name: d.name.trim(),
      job: {
        script: {
          id: d.scriptId,
          ...(params.length > 0 ? { params: paramsToSend(params, texts) } : {}),
        },
        target: builtTarget.target,
        offlineExpirySeconds: Math.round(hours * 3600),
      },
      ...(d.kind === 'cron' ? { cron: d.cron.trim() } : { runAt: d.runAt }),
      zoneMode: d.zoneMode,
      timeZone: d.timeZone.trim() || 'UTC',
      offlinePolicy: d.offlinePolicy,
      spreadMinutes: spread,
    };
    create.mutate(body, {
      onSuccess: () => {
        notifySuccess(`Schedule “${body.name}” created.`);
        onClose();
      },
    });
  };

  return (
    <Stack>
      <NameField value={d.name} onChange={(name) => set({ name })} error={shown('name')} />
      <Select
        label="Script"
        placeholder="Pick from the library"
        data={(scripts.data?.items ?? []).map((s) => ({ value: s.id, label: s.name }))}
        value={d.scriptId}
        onChange={(id) => {
          set({ scriptId: id });
          setTexts({});
        }}
        searchable
        nothingFoundMessage={scripts.isFetching ? 'Loading…' : 'No script matches'}
        error={shown('scriptId') ?? (scripts.isError ? errorMessage(scripts.error) : undefined)}
        required
      />
      {d.scriptId && script.isPending && <Loader size="xs" aria-label="Loading parameters" />}
      {script.isError && <ErrorAlert error={script.error} />}
      {script.data && (
        <Fieldset legend="Parameters" variant="filled">
          <ParamValuesForm
            params={params}
            texts={texts}
            errors={paramErrors}
            onChange={(n, text) => setTexts((t) => ({ ...t, [n]: text }))}
          />
        </Fieldset>
      )}
      <TargetPicker value={target} onChange={setTarget} error={shown('target')} />
      <SegmentedControl
        aria-label="Repeats"
        value={d.kind}
        onChange={(v) => set({ kind: v })}
        data={[
          { value: 'cron', label: 'Repeating (cron)' },
          { value: 'once', label: 'Once' },
        ]}
      />
      {d.kind === 'cron' ? (
        <Stack gap={6}>
          <TextInput
            label="Cron expression"
            description="minute hour day-of-month month day-of-week"
            value={d.cron}
            onChange={(e) => set({ cron: e.currentTarget.value })}
            error={shown('cron')}
          />
          <Group gap={6}>
            {CRON_PRESETS.map((p) => (
              <Chip
                key={p.value}
                size="xs"
                checked={d.cron === p.value}
                onChange={() => set({ cron: p.value })}
              >
                {p.label}
              </Chip>
            ))}
          </Group>
        </Stack>
      ) : (
        <TextInput
          type="datetime-local"
          label="Run at"
          value={d.runAt}
          onChange={(e) => set({ runAt: e.currentTarget.value })}
          error={shown('runAt')}
        />
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <Select
          label="Time zone mode"
          data={[
            { value: 'device', label: "Each device's local time" },
            { value: 'fixed', label: 'One fixed zone' },
          ]}
          value={d.zoneMode}
          onChange={(v) => v && set({ zoneMode: v })}
          allowDeselect={false}
        />
        <TextInput
          label={d.zoneMode === 'fixed' ? 'Time zone' : 'Zone for devices that report none'}
          value={d.timeZone}
          onChange={(e) => set({ timeZone: e.currentTarget.value })}
        />
        <Select
          label="Offline devices"
          data={SCHEDULE_OFFLINE_POLICIES.map((p) => ({
            value: p,
            label: SCHEDULE_OFFLINE_POLICY_LABELS[p],
          }))}
          value={d.offlinePolicy}
          onChange={(v) => v && set({ offlinePolicy: v })}
          allowDeselect={false}
        />
        <NumberInput
          label="Wait for offline devices (hours)"
          min={0}
          max={MAX_EXPIRY_HOURS}
          value={d.expiryHours}
          onChange={(v) => set({ expiryHours: v })}
          error={shown('expiryHours')}
        />
        <NumberInput
          label="Spread (minutes)"
          description="Each device starts after a random delay up to this"
          min={0}
          max={SCHEDULE_LIMITS.spreadMinutes.max}
          value={d.spreadMinutes}
          onChange={(v) => set({ spreadMinutes: v })}
          error={shown('spreadMinutes')}
        />
      </SimpleGrid>
      {d.offlinePolicy === 'run_in_window' && (
        <Alert color="blue" variant="light">
          Runs wait for the device's maintenance window (open at firing, or the next one within the
          wait above) and expire when it closes. Devices with no window do not run it.
        </Alert>
      )}
      <NextOccurrences when={whenOf(d)} />
      <FormActions
        error={create.error}
        onCancel={onClose}
        onSubmit={submit}
        submitLabel="Create schedule"
        loading={create.isPending}
      />
    </Stack>
  );
}

export function ScheduleFormModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  return (
    <FormModal opened={opened} onClose={onClose} title="New schedule" size="lg">
      <ScheduleForm onClose={onClose} />
    </FormModal>
  );
}
