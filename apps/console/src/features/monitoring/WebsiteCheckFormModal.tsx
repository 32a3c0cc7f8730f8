import {
  ALERT_SEVERITIES,
  type AlertSeverity,
  MONITORING_LIMITS as L,
  REDIRECT_POLICIES,
  type RedirectPolicy,
  WEBSITE_CHECK_BOUNDS as B,
  type WebsiteCheckRequest,
  type WebsiteCheckResponse,
  websiteCheckProblems,
} from '@fleetdesk/api-types';
import { Select, SimpleGrid, Stack, TagsInput, TextInput } from '@mantine/core';
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
import { useSaveWebsiteCheck } from './api';
import { RunFromPicker, type RunFromDraft } from './RunFromPicker';

interface Draft {
  name: string;
  url: string;
  expectedStatus: Num;
  latencyLimitMs: Num;
  bodyContains: string;
  bodyNotContains: string;
  redirectPolicy: RedirectPolicy;
  maxRedirects: Num;
  certWarnDays: Num;
  intervalSeconds: Num;
  timeoutMs: Num;
  failThreshold: Num;
  successThreshold: Num;
  severity: AlertSeverity;
  tags: string[];
  enabled: boolean;
  runFrom: RunFromDraft;
}

function draftOf(c: WebsiteCheckResponse | null): Draft {
  return {
    name: c?.name ?? '',
    url: c?.url ?? 'https://',
    expectedStatus: c?.expectedStatus ?? 200,
    latencyLimitMs: c?.latencyLimitMs ?? '',
    bodyContains: c?.bodyContains ?? '',
    bodyNotContains: c?.bodyNotContains ?? '',
    redirectPolicy: c?.redirectPolicy ?? 'follow',
    maxRedirects: c?.maxRedirects ?? L.maxRedirects.default,
    certWarnDays: c?.certWarnDays ?? L.certWarnDays.default,
    intervalSeconds: c?.intervalSeconds ?? L.intervalSeconds.default,
    timeoutMs: c?.timeoutMs ?? L.timeoutMs.default,
    failThreshold: c?.failThreshold ?? L.threshold.failDefault,
    successThreshold: c?.successThreshold ?? L.threshold.successDefault,
    severity: c?.severity ?? 'critical',
    tags: c?.tags ?? [],
    enabled: c?.enabled ?? true,
    runFrom: {
      devices: Object.fromEntries(
        (c?.runFrom.deviceIds ?? []).map((id) => [id, `#${id.slice(0, 8)}`]),
      ),
      tags: c?.runFrom.tags ?? [],
      groupIds: c?.runFrom.groupIds ?? [],
    },
  };
}

function requestOf(d: Draft): WebsiteCheckRequest {
  return {
    name: d.name.trim(),
    url: d.url.trim(),
    expectedStatus: num(d.expectedStatus),
    latencyLimitMs: num(d.latencyLimitMs) ?? null,
    bodyContains: d.bodyContains || null,
    bodyNotContains: d.bodyNotContains || null,
    redirectPolicy: d.redirectPolicy,
    maxRedirects: num(d.maxRedirects),
    certWarnDays: num(d.certWarnDays),
    intervalSeconds: num(d.intervalSeconds),
    timeoutMs: num(d.timeoutMs),
    failThreshold: num(d.failThreshold),
    successThreshold: num(d.successThreshold),
    severity: d.severity,
    tags: d.tags,
    enabled: d.enabled,
    runFrom: {
      deviceIds: Object.keys(d.runFrom.devices),
      tags: d.runFrom.tags,
      groupIds: d.runFrom.groupIds,
    },
  };
}

function CheckForm({
  check,
  onClose,
}: {
  check: WebsiteCheckResponse | null;
  onClose: () => void;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(check));
  const save = useSaveWebsiteCheck();
  const set = (patch: Partial<Draft>) => setD((prev) => ({ ...prev, ...patch }));
  const body = requestOf(d);
  const { err, attempt, serverFields, unplaced } = useFormErrors(
    websiteCheckProblems(body),
    save.error,
  );
  const numberField = numberFields(B, d, set, err);

  const submit = () => {
    if (!attempt()) return;
    save.mutate(
      { id: check?.id ?? null, body },
      {
        onSuccess: (saved) => {
          notifySuccess(`${check ? 'Saved' : 'Created'} website check ${saved.name}`);
          onClose();
        },
      },
    );
  };

  return (
    <EditForm
      onSubmit={submit}
      error={unplaced}
      onCancel={onClose}
      submitLabel={check ? 'Save' : 'Create check'}
      loading={save.isPending}
    >
      <Stack gap="sm">
        <NameField
          value={d.name}
          onChange={(name) => set({ name })}
          maxLength={L.nameLength}
          error={err('name')}
        />
        <TextInput
          label="URL"
          required
          description="http:// or https://; the server fetches it from its own network (and the devices below from theirs)"
          value={d.url}
          onChange={(e) => set({ url: e.currentTarget.value })}
          error={err('url')}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          {numberField('expectedStatus', 'Expected status')}
          {numberField('latencyLimitMs', 'Latency limit (ms)', { placeholder: 'No limit' })}
          {numberField('certWarnDays', 'Warn when the certificate expires within (days)')}
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label="Page must contain"
            placeholder="Optional"
            maxLength={L.bodyMatchLength}
            value={d.bodyContains}
            onChange={(e) => set({ bodyContains: e.currentTarget.value })}
            error={err('bodyContains')}
          />
          <TextInput
            label="Page must not contain"
            placeholder="Optional"
            maxLength={L.bodyMatchLength}
            value={d.bodyNotContains}
            onChange={(e) => set({ bodyNotContains: e.currentTarget.value })}
            error={err('bodyNotContains')}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label="Redirects"
            allowDeselect={false}
            data={REDIRECT_POLICIES.map((p) => ({
              value: p,
              label: p === 'follow' ? 'Follow them' : 'Fail the check',
            }))}
            value={d.redirectPolicy}
            onChange={(v) => set({ redirectPolicy: v ?? 'follow' })}
          />
          {numberField('maxRedirects', 'At most (hops)', {
            disabled: d.redirectPolicy === 'error',
          })}
          <Select
            label="Alert severity"
            allowDeselect={false}
            data={ALERT_SEVERITIES.map((s) => ({ value: s, label: s }))}
            value={d.severity}
            onChange={(v) => set({ severity: v ?? 'critical' })}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          {numberField('intervalSeconds', 'Every (seconds)')}
          {numberField('timeoutMs', 'Timeout (ms)')}
          {numberField('failThreshold', 'Fire after failures')}
          {numberField('successThreshold', 'Resolve after successes')}
        </SimpleGrid>
        <TagsInput
          label="Tags"
          description="Notification channels can route by tag"
          maxTags={L.filterTags}
          value={d.tags}
          onChange={(tags) => set({ tags })}
          error={serverFields.tags}
        />
        <RunFromPicker
          value={d.runFrom}
          onChange={(runFrom) => set({ runFrom })}
          namedIds={check?.runFrom.deviceIds ?? []}
          error={
            err('runFrom') ??
            Object.entries(serverFields).find(([k]) => k.startsWith('runFrom'))?.[1]
          }
        />
        <EnabledSwitch checked={d.enabled} onChange={(enabled) => set({ enabled })} />
      </Stack>
    </EditForm>
  );
}

/** Create (check null) or edit a website check; the form is fresh each time it opens. */
export function WebsiteCheckFormModal(props: ItemFormModalProps<WebsiteCheckResponse>) {
  return (
    <ItemFormModal {...props} newTitle="New website check">
      {(check) => <CheckForm check={check} onClose={props.onClose} />}
    </ItemFormModal>
  );
}
