import type { DeviceResponse, UpdateDeviceRequest } from '@fleetdesk/api-types';
import { Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { patch } from '../../api/client';
import { notifyError, notifySuccess } from '../../lib/notify';
import { deviceKeys, fetchGroups, groupsKey, storeDevice } from './api';

const NO_GROUP = '__none__';

/** Renames a device (empty: show its hostname) and sets its group, through PATCH /devices/:id. */
export function EditDeviceModal({
  device,
  opened,
  onClose,
}: {
  device: DeviceResponse;
  opened: boolean;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const [name, setName] = useState(device.name ?? '');
  const [groupId, setGroupId] = useState(device.group?.id ?? NO_GROUP);
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups, enabled: opened });
  const save = useMutation({
    mutationFn: () => {
      const body: UpdateDeviceRequest = {
        name: name.trim() ? name.trim() : null,
        groupId: groupId === NO_GROUP ? null : groupId,
      };
      return patch<DeviceResponse>(`/devices/${device.id}`, body);
    },
    onSuccess: (updated) => {
      storeDevice(client, updated);
      void client.invalidateQueries({ queryKey: deviceKeys.all });
      void client.invalidateQueries({ queryKey: groupsKey });
      notifySuccess(`Saved ${updated.displayName}`);
      onClose();
    },
    onError: (e) => notifyError(e, 'Could not save the device'),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Edit device">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack gap="sm">
          <TextInput
            label="Name"
            description={`Leave empty to show the hostname (${device.hostname})`}
            value={name}
            maxLength={255}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Select
            label="Group"
            data={[
              { value: NO_GROUP, label: 'No group' },
              ...(groups.data ?? []).map((g) => ({ value: g.id, label: g.name })),
            ]}
            value={groupId}
            onChange={(v) => setGroupId(v ?? NO_GROUP)}
            allowDeselect={false}
            searchable
            error={groups.isError ? 'Could not load the groups' : undefined}
          />
          {groups.data?.length === 0 && (
            <Text size="xs" c="dimmed">
              No groups yet: create them through the API (POST /api/groups).
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
