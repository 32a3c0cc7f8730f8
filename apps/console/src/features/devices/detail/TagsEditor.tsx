import { ActionIcon, Autocomplete, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { DeviceResponse } from '@fleetdesk/api-types';
import { useState } from 'react';
import { del, post } from '../../../api/client';
import { notifyError } from '../../../lib/notify';
import { deviceKeys, fetchTags, storeDevice, tagsKey } from '../api';
import { normalizeTag, tagProblem } from '@fleetdesk/api-types';

/** A device's tags; technicians can add and remove them in place. */
export function TagsEditor({ device, editable }: { device: DeviceResponse; editable: boolean }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState('');
  const allTags = useQuery({
    queryKey: tagsKey,
    queryFn: fetchTags,
    enabled: editable,
    staleTime: 60_000,
  });

  const done = (updated: DeviceResponse) => {
    storeDevice(client, updated);
    void client.invalidateQueries({ queryKey: deviceKeys.lists() });
    void client.invalidateQueries({ queryKey: tagsKey });
  };
  const add = useMutation({
    mutationFn: (tags: string[]) => post<DeviceResponse>(`/devices/${device.id}/tags`, { tags }),
    onSuccess: (updated) => {
      setDraft('');
      done(updated);
    },
    onError: (e) => notifyError(e, 'Could not add the tag'),
  });
  const remove = useMutation({
    mutationFn: (tag: string) =>
      del<DeviceResponse>(`/devices/${device.id}/tags/${encodeURIComponent(tag)}`),
    onSuccess: done,
    onError: (e) => notifyError(e, 'Could not remove the tag'),
  });

  const tag = normalizeTag(draft);
  const problem = tag ? tagProblem(tag) : null;
  const submit = () => {
    if (!tag || problem || device.tags.includes(tag)) return;
    add.mutate([tag]);
  };

  return (
    <Stack gap="xs">
      {device.tags.length === 0 ? (
        <Text size="sm" c="dimmed">
          No tags.
          {editable ? ' Tags let you filter devices and target scripts at many at once.' : ''}
        </Text>
      ) : (
        <Group gap={6} data-testid="device-tags">
          {device.tags.map((t) => (
            <Badge
              key={t}
              variant="outline"
              tt="none"
              pr={editable ? 3 : undefined}
              rightSection={
                editable ? (
                  <ActionIcon
                    size="xs"
                    variant="transparent"
                    color="gray"
                    aria-label={`Remove tag ${t}`}
                    loading={remove.isPending && remove.variables === t}
                    onClick={() => remove.mutate(t)}
                  >
                    ×
                  </ActionIcon>
                ) : undefined
              }
            >
              {t}
            </Badge>
          ))}
        </Group>
      )}
      {editable && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <Group gap="xs" align="flex-start" wrap="nowrap">
            <Autocomplete
              aria-label="New tag"
              placeholder="Add a tag, e.g. site:paris"
              size="xs"
              data={(allTags.data ?? []).map((t) => t.name).filter((n) => !device.tags.includes(n))}
              value={draft}
              onChange={setDraft}
              error={problem}
              maxLength={64}
              limit={20}
              style={{ flex: 1 }}
            />
            <Button
              type="submit"
              size="xs"
              variant="light"
              loading={add.isPending}
              disabled={!tag || problem !== null || device.tags.includes(tag)}
            >
              Add tag
            </Button>
          </Group>
        </form>
      )}
    </Stack>
  );
}
