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
import {
  Alert,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { notifySuccess } from '../../lib/notify';
import { useSaveWebsiteCheck } from './api';
import { RunFromPicker, type RunFromDraft } from './RunFromPicker';

type Num = number | string;

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

/** An empty number field is "not given"; anything else goes to the rules as a number. */
const num = (v: Num): number | undefined => (v === '' ? undefined : Number(v));

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
  const [tried, setTried] = useState(false);
  const save = useSaveWebsiteCheck();
  const set = (patch: Partial<Draft>) => setD((prev) => ({ ...prev, ...patch }));
  const body = requestOf(d);
  const problems = websiteCheckProblems(body);
  // The server's field errors (a rule the form does not know) land on their fields too.
  const serverFields =
    save.error instanceof ApiError
      ? Object.fromEntries(save.error.fieldErrors.map((f) => [f.field, f.reason]))
      : {};
  const err = (k: keyof Draft) => (tried ? problems[k] : undefined) ?? serverFields[k];
  const numberField = (k: keyof typeof B & keyof Draft, label: string, extra?: object) => (
    <NumberInput
      label={label}
      min={B[k].min}
      max={B[k].max}
      allowDecimal={false}
      value={d[k]}
      onChange={(v) => set({ [k]: v })}
      error={err(k)}
      {...extra}
    />
  );

  const submit = () => {
    setTried(true);
    if (Object.keys(problems).length > 0) return;
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
    <form
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      noValidate
    >
      <Stack gap="sm">
        <TextInput
          label="Name"
          required
          maxLength={L.nameLength}
          value={d.name}
          onChange={(e) => set({ name: e.currentTarget.value })}
          error={err('name')}
          data-autofocus
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
            (tried ? problems.runFrom : undefined) ??
            Object.entries(serverFields).find(([k]) => k.startsWith('runFrom'))?.[1]
          }
        />
        <Switch
          label="Enabled"
          checked={d.enabled}
          onChange={(e) => set({ enabled: e.currentTarget.checked })}
        />
        {save.isError && Object.keys(serverFields).length === 0 && (
          <Alert color="red" role="alert">
            {errorMessage(save.error)}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending}>
            {check ? 'Save' : 'Create check'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Create (check null) or edit a website check; the form is fresh each time it opens. */
export function WebsiteCheckFormModal({
  opened,
  check,
  onClose,
}: {
  opened: boolean;
  check: WebsiteCheckResponse | null;
  onClose: () => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={check ? `Edit ${check.name}` : 'New website check'}
      size="xl"
    >
      {opened && <CheckForm key={check?.id ?? 'new'} check={check} onClose={onClose} />}
    </Modal>
  );
}
