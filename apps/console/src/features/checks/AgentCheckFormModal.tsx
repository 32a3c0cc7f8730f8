import {
  AGENT_CHECK_BOUNDS as B,
  AGENT_CHECK_KINDS,
  AGENT_CHECK_KIND_FIELDS,
  AGENT_CHECK_LIMITS as L,
  ALERT_SEVERITIES,
  type AgentCheckKind,
  type AgentCheckRequest,
  type AgentCheckResponse,
  type AlertSeverity,
  agentCheckProblems,
  isThresholdCheck,
  SCRIPT_LANGUAGES,
  type ScriptLanguage,
} from '@fleetdesk/api-types';
import {
  Checkbox,
  NumberInput,
  Select,
  SimpleGrid,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import {
  EditForm,
  EnabledSwitch,
  ItemFormModal,
  type ItemFormModalProps,
  NameField,
  type NumberDraft as Num,
  numberFields,
  optionalNumber as num,
  useFormErrors,
} from '../../components/forms';
import { notifySuccess } from '../../lib/notify';
import { GroupsSelect, TagsSelect } from '../devices/FacetSelects';
import { shortId } from '../devices/identity';
import { DevicePicker, deviceLabel } from '../jobs/TargetPicker';
import { languageLabel } from '../scripts/languages';
import { useDeviceNames, useSaveAgentCheck } from './api';
import { KIND_LABELS } from './look';

interface Draft {
  name: string;
  kind: AgentCheckKind;
  thresholdPercent: Num;
  mount: string;
  service: string;
  process: string;
  host: string;
  port: Num;
  language: ScriptLanguage;
  script: string;
  intervalSeconds: Num;
  timeoutSeconds: Num;
  durationSeconds: Num;
  severity: AlertSeverity;
  failThreshold: Num;
  successThreshold: Num;
  enabled: boolean;
  all: boolean;
  /** Chosen devices, id → label. */
  devices: Record<string, string>;
  tags: string[];
  groupIds: string[];
}

const NAGIOS_EXAMPLE = `#!/bin/sh
# Exit 0 ok, 1 warning, 2 critical, 3 unknown; the first line is the message.
echo "OK - all good"
exit 0
`;

function draftOf(c: AgentCheckResponse | null): Draft {
  return {
    name: c?.name ?? '',
    kind: c?.kind ?? 'disk',
    thresholdPercent: c?.thresholdPercent ?? 90,
    mount: c?.mount ?? '',
    service: c?.service ?? '',
    process: c?.process ?? '',
    host: c?.host ?? '',
    port: c?.port ?? '',
    language: c?.language ?? 'sh',
    script: c?.script ?? NAGIOS_EXAMPLE,
    intervalSeconds: c?.intervalSeconds ?? L.intervalSeconds.default,
    timeoutSeconds: c?.timeoutSeconds ?? L.timeoutSeconds.default,
    durationSeconds: c?.durationSeconds ?? L.durationSeconds.default,
    severity: c?.severity ?? 'critical',
    failThreshold: c?.failThreshold ?? 1,
    successThreshold: c?.successThreshold ?? 1,
    enabled: c?.enabled ?? true,
    all: c?.target.all ?? false,
    devices: Object.fromEntries((c?.target.deviceIds ?? []).map((id) => [id, `#${shortId(id)}`])),
    tags: c?.target.tags ?? [],
    groupIds: c?.target.groupIds ?? [],
  };
}

/** The request: only the settings the kind uses, so the shared rules judge what is sent. */
function requestOf(d: Draft): AgentCheckRequest {
  const uses = new Set<string>(AGENT_CHECK_KIND_FIELDS[d.kind]);
  const settings = {
    thresholdPercent: num(d.thresholdPercent) ?? null,
    mount: d.mount.trim() || null,
    service: d.service.trim() || null,
    process: d.process.trim() || null,
    host: d.host.trim() || null,
    port: num(d.port) ?? null,
    language: d.language,
    script: d.script || null,
  };
  const body: AgentCheckRequest = {
    name: d.name.trim(),
    kind: d.kind,
    target: d.all
      ? { all: true }
      : { all: false, deviceIds: Object.keys(d.devices), tags: d.tags, groupIds: d.groupIds },
    durationSeconds: num(d.durationSeconds),
    severity: d.severity,
    failThreshold: num(d.failThreshold),
    successThreshold: num(d.successThreshold),
    enabled: d.enabled,
  };
  for (const [k, v] of Object.entries(settings))
    if (uses.has(k)) (body as unknown as Record<string, unknown>)[k] = v;
  // Every probe (service and process lists too) runs within its timeout.
  if (!isThresholdCheck(d.kind)) {
    body.intervalSeconds = num(d.intervalSeconds);
    body.timeoutSeconds = num(d.timeoutSeconds);
  }
  return body;
}

function CheckForm({ check, onClose }: { check: AgentCheckResponse | null; onClose: () => void }) {
  const [d, setD] = useState<Draft>(() => draftOf(check));
  const save = useSaveAgentCheck();
  const set = (patch: Partial<Draft>) => setD((prev) => ({ ...prev, ...patch }));
  // The devices an existing check names, labelled as the device picker labels them.
  const names = useDeviceNames(check?.target.deviceIds ?? []);
  // Chips of devices the check named before: labelled once their names arrive.
  const pickedDevices = Object.fromEntries(
    Object.entries(d.devices).map(([id, label]) => {
      const found = names.data?.get(id);
      return [id, found ? deviceLabel(found) : label];
    }),
  );

  const body = requestOf(d);
  const { err, attempt, unplaced } = useFormErrors(agentCheckProblems(body), save.error);
  const uses = new Set<string>(AGENT_CHECK_KIND_FIELDS[d.kind]);
  const probes = !isThresholdCheck(d.kind);
  const numberField = numberFields(B, d, set, err);
  const textField = (
    k: 'mount' | 'service' | 'process' | 'host',
    label: string,
    extra?: Record<string, unknown>,
  ) => (
    <TextInput
      label={label}
      maxLength={k === 'mount' ? L.mountLength : L.targetLength}
      value={d[k]}
      onChange={(e) => set({ [k]: e.currentTarget.value })}
      error={err(k)}
      {...extra}
    />
  );

  const submit = () => {
    if (!attempt()) return;
    save.mutate(
      { id: check?.id ?? null, body },
      {
        onSuccess: (saved) => {
          notifySuccess(`${check ? 'Saved' : 'Created'} check ${saved.name}`);
          onClose();
        },
      },
    );
  };
  const noTarget = !d.all && !Object.keys(d.devices).length && !d.tags.length && !d.groupIds.length;

  return (
    <EditForm
      onSubmit={submit}
      error={unplaced}
      onCancel={onClose}
      submitLabel={check ? 'Save' : 'Create check'}
      loading={save.isPending}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }}>
        <NameField
          value={d.name}
          onChange={(name) => set({ name })}
          maxLength={L.nameLength}
          error={err('name')}
        />
        <Select
          label="Kind"
          allowDeselect={false}
          disabled={check !== null}
          description={check ? 'A check keeps its kind: make a new one for another' : undefined}
          data={AGENT_CHECK_KINDS.map((k) => ({ value: k, label: KIND_LABELS[k] }))}
          value={d.kind}
          onChange={(v) => v && set({ kind: v })}
        />
      </SimpleGrid>

      {uses.has('thresholdPercent') && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {d.kind === 'disk' &&
            textField('mount', 'Mount point', {
              placeholder: 'Every mount',
              description: 'As df prints it: /, /data, C:\\',
            })}
          <NumberInput
            label="Unhealthy above (%)"
            min={L.thresholdPercent.min}
            max={L.thresholdPercent.max}
            value={d.thresholdPercent}
            onChange={(v) => set({ thresholdPercent: v })}
            error={err('thresholdPercent')}
          />
          {numberField('durationSeconds', 'Held for (seconds)', {
            description: 'Unhealthy this long before the device reports it',
          })}
        </SimpleGrid>
      )}
      {d.kind === 'service' &&
        textField('service', 'Service', {
          description: 'A systemd unit, launchd label or Windows service name',
        })}
      {d.kind === 'process' &&
        textField('process', 'Process', {
          description: 'The executable’s name as ps -e or tasklist lists it',
        })}
      {(d.kind === 'ping' || d.kind === 'tcp') && (
        <SimpleGrid cols={{ base: 1, sm: d.kind === 'tcp' ? 2 : 1 }}>
          {textField('host', 'Host', {
            description: 'A host name or IP address, as the device resolves it',
          })}
          {d.kind === 'tcp' && numberField('port', 'Port')}
        </SimpleGrid>
      )}
      {d.kind === 'script' && (
        <>
          <Select
            label="Language"
            allowDeselect={false}
            data={SCRIPT_LANGUAGES.map((l) => ({ value: l, label: languageLabel(l) }))}
            value={d.language}
            onChange={(v) => v && set({ language: v })}
            error={err('language')}
          />
          <Textarea
            label="Script"
            description="Nagios plugin convention: exit 0 ok, 1 warning, 2 critical, 3 unknown; the first line of output is the message"
            autosize
            minRows={5}
            maxRows={16}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            value={d.script}
            onChange={(e) => set({ script: e.currentTarget.value })}
            error={err('script')}
          />
        </>
      )}
      {probes && (
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {numberField('intervalSeconds', 'Every (seconds)')}
          {numberField('timeoutSeconds', 'Timeout (seconds)', {
            description: 'At most the interval',
          })}
          {numberField('durationSeconds', 'Failing for (seconds)', {
            description: 'Before the device reports it',
          })}
        </SimpleGrid>
      )}

      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Select
          label="Alert severity"
          allowDeselect={false}
          description="A warning result fires as a warning"
          data={ALERT_SEVERITIES.map((s) => ({ value: s, label: s }))}
          value={d.severity}
          onChange={(v) => v && set({ severity: v })}
        />
        {numberField('failThreshold', 'Fire after failures', {
          description: 'Reports in a row',
        })}
        {numberField('successThreshold', 'Resolve after successes', {
          description: 'Keeps a flapping check from flapping alerts',
        })}
      </SimpleGrid>

      <Text fw={500} size="sm" mt="xs">
        Runs on
      </Text>
      <Checkbox
        label="Every device"
        checked={d.all}
        onChange={(e) => set({ all: e.currentTarget.checked })}
      />
      {!d.all && (
        <>
          <DevicePicker value={pickedDevices} onChange={(devices) => set({ devices })} />
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TagsSelect
              label="Tags"
              value={d.tags}
              onChange={(v) => set({ tags: v })}
              maxValues={L.targetTags}
            />
            <GroupsSelect
              label="Groups"
              value={d.groupIds}
              onChange={(v) => set({ groupIds: v })}
            />
          </SimpleGrid>
          {noTarget && (
            <Text size="xs" c="dimmed" data-testid="policy-only-hint">
              Naming nothing here, the check runs only where an automation policy carries it.
            </Text>
          )}
        </>
      )}
      <EnabledSwitch checked={d.enabled} onChange={(enabled) => set({ enabled })} />
    </EditForm>
  );
}

/** Create (check null) or edit an agent check; the form is fresh each time it opens. */
export function AgentCheckFormModal(props: ItemFormModalProps<AgentCheckResponse>) {
  return (
    <ItemFormModal {...props} newTitle="New agent check">
      {(check) => <CheckForm check={check} onClose={props.onClose} />}
    </ItemFormModal>
  );
}
