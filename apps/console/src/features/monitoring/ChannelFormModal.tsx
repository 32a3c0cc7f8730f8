import {
  ALERT_SEVERITIES,
  type AlertSeverity,
  CHANNEL_KINDS,
  channelProblems,
  type ChannelKind,
  type ChannelRequest,
  type ChannelResponse,
  type CreatedChannelResponse,
  MONITORING_LIMITS as L,
} from '@fleetdesk/api-types';
import {
  Button,
  Code,
  Group,
  Modal,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import {
  EditForm,
  EnabledSwitch,
  ItemFormModal,
  type ItemFormModalProps,
  NameField,
  useFormErrors,
} from '../../components/forms';
import { notifySuccess } from '../../lib/notify';
import { GroupsSelect } from '../devices/FacetSelects';
import { useSaveChannel } from './api';
import { CHANNEL_KIND_LABELS } from './look';

interface Draft {
  name: string;
  kind: ChannelKind;
  url: string;
  emailTo: string[];
  minSeverity: AlertSeverity;
  groupIds: string[];
  tags: string[];
  digestSeconds: number | string;
  enabled: boolean;
}

const draftOf = (c: ChannelResponse | null): Draft => ({
  name: c?.name ?? '',
  kind: c?.kind ?? 'webhook',
  url: c?.url ?? '',
  emailTo: c?.emailTo ?? [],
  minSeverity: c?.routing.minSeverity ?? 'warning',
  groupIds: c?.routing.groupIds ?? [],
  tags: c?.routing.tags ?? [],
  digestSeconds: c?.digestSeconds ?? L.digestSeconds.default,
  enabled: c?.enabled ?? true,
});

function requestOf(d: Draft, editing: boolean): ChannelRequest {
  const r: ChannelRequest = {
    name: d.name.trim(),
    kind: d.kind,
    routing: { minSeverity: d.minSeverity, groupIds: d.groupIds, tags: d.tags },
    digestSeconds: d.digestSeconds === '' ? undefined : Number(d.digestSeconds),
    enabled: d.enabled,
  };
  if (d.kind === 'email') r.emailTo = d.emailTo;
  else r.url = d.url.trim();
  // The kind is fixed once created: an edit does not send it.
  if (editing) delete (r as Partial<ChannelRequest>).kind;
  return r;
}

function ChannelForm({
  channel,
  onClose,
}: {
  channel: ChannelResponse | null;
  onClose: (secret?: string | null) => void;
}) {
  const [d, setD] = useState<Draft>(() => draftOf(channel));
  const save = useSaveChannel();
  const set = (patch: Partial<Draft>) => setD((p) => ({ ...p, ...patch }));
  const body = requestOf(d, channel !== null);
  const { err, attempt, serverFields, unplaced } = useFormErrors(
    channelProblems({ ...body, kind: d.kind }),
    save.error,
  );

  const submit = () => {
    if (!attempt()) return;
    save.mutate(
      { id: channel?.id ?? null, body },
      {
        onSuccess: (saved) => {
          notifySuccess(`${channel ? 'Saved' : 'Created'} channel ${saved.name}`);
          // Only a created webhook channel answers with its secret, and only this once.
          onClose((saved as Partial<CreatedChannelResponse>).signingSecret ?? null);
        },
      },
    );
  };

  return (
    <EditForm
      onSubmit={submit}
      error={unplaced}
      onCancel={() => onClose()}
      submitLabel={channel ? 'Save' : 'Create channel'}
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
          disabled={channel !== null}
          description={channel ? 'Fixed once created' : undefined}
          data={CHANNEL_KINDS.map((k) => ({ value: k, label: CHANNEL_KIND_LABELS[k] }))}
          value={d.kind}
          onChange={(v) => set({ kind: v ?? 'webhook' })}
        />
      </SimpleGrid>
      {d.kind === 'email' ? (
        <TagsInput
          label="Recipients"
          description={`Up to ${L.emailRecipients} addresses; press Enter after each`}
          maxTags={L.emailRecipients}
          value={d.emailTo}
          onChange={(emailTo) => set({ emailTo })}
          error={err('emailTo')}
        />
      ) : (
        <TextInput
          label={d.kind === 'webhook' ? 'Webhook URL' : `${CHANNEL_KIND_LABELS[d.kind]} URL`}
          required
          placeholder="https://"
          value={d.url}
          onChange={(e) => set({ url: e.currentTarget.value })}
          error={err('url')}
        />
      )}
      <Text size="sm" fw={500}>
        Which alerts it hears
      </Text>
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Select
          label="At least"
          allowDeselect={false}
          data={ALERT_SEVERITIES.map((s) => ({ value: s, label: s }))}
          value={d.minSeverity}
          onChange={(v) => set({ minSeverity: v ?? 'warning' })}
        />
        <GroupsSelect
          label="Groups"
          placeholder={d.groupIds.length ? undefined : 'Any group'}
          value={d.groupIds}
          onChange={(groupIds) => set({ groupIds })}
          maxValues={L.filterGroups}
        />
        <TagsInput
          label="Tags"
          placeholder={d.tags.length ? undefined : 'Any tag'}
          value={d.tags}
          onChange={(tags) => set({ tags })}
          maxTags={L.filterTags}
          error={serverFields['routing.tags']}
        />
      </SimpleGrid>
      <NumberInput
        label="Digest window (seconds)"
        description="Alerts within this many seconds of the first go out as one message; 0 sends each at once"
        min={L.digestSeconds.min}
        max={L.digestSeconds.max}
        allowDecimal={false}
        value={d.digestSeconds}
        onChange={(digestSeconds) => set({ digestSeconds })}
        error={err('digestSeconds')}
      />
      <EnabledSwitch checked={d.enabled} onChange={(enabled) => set({ enabled })} />
    </EditForm>
  );
}

export function ChannelFormModal(props: ItemFormModalProps<ChannelResponse>) {
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <>
      <ItemFormModal {...props} newTitle="New notification channel" size="lg">
        {(channel) => (
          <ChannelForm
            channel={channel}
            onClose={(s) => {
              if (s) setSecret(s);
              props.onClose();
            }}
          />
        )}
      </ItemFormModal>
      <Modal opened={secret !== null} onClose={() => setSecret(null)} title="Signing secret">
        <Stack gap="sm">
          <Text size="sm">
            Every request this webhook sends is signed with this key (HMAC-SHA256, see the README).
            It is shown once: store it with the receiver now.
          </Text>
          <Code block data-testid="signing-secret">
            {secret}
          </Code>
          <Group justify="flex-end">
            <Button onClick={() => setSecret(null)}>I have stored it</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
