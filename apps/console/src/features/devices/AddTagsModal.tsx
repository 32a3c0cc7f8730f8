import { Alert, Button, Group, List, Modal, Progress, Stack, TagsInput, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { notifySuccess } from '../../lib/notify';
import { deviceKeys, fetchTags, tagsKey } from './api';
import { bulkDevices } from './bulk';
import type { DeviceRef } from './RevokeDevicesModal';
import { normalizeTag, tagProblem } from '@fleetdesk/api-types';

/** Adds the same tags to every selected device; unknown tags are created by the server. */
export function AddTagsModal({
  opened,
  onClose,
  devices,
}: {
  opened: boolean;
  onClose: () => void;
  devices: DeviceRef[];
}) {
  const client = useQueryClient();
  const tags = useQuery({ queryKey: tagsKey, queryFn: fetchTags, enabled: opened });
  const [value, setValue] = useState<string[]>([]);
  const [progress, setProgress] = useState<number | null>(null);
  const [failures, setFailures] = useState<{ name: string; reason: string }[]>([]);
  const running = progress !== null;
  const normalized = [...new Set(value.map(normalizeTag).filter(Boolean))];
  const problem = normalized.map(tagProblem).find((p) => p !== null) ?? null;

  const close = () => {
    if (running) return;
    setValue([]);
    setFailures([]);
    onClose();
  };

  const apply = async () => {
    setFailures([]);
    setProgress(0);
    const failed = await bulkDevices('tag', devices, { tags: normalized }, setProgress);
    setProgress(null);
    void client.invalidateQueries({ queryKey: tagsKey });
    void client.invalidateQueries({ queryKey: deviceKeys.all });
    const ok = devices.length - failed.length;
    if (failed.length === 0) {
      notifySuccess(
        `Tagged ${ok === 1 ? devices[0].displayName : `${ok} devices`} with ${normalized.join(', ')}.`,
      );
      setValue([]);
      onClose();
      return;
    }
    setFailures(failed.map((f) => ({ name: f.item.displayName, reason: errorMessage(f.error) })));
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={
        devices.length === 1
          ? `Add tags to ${devices[0].displayName}`
          : `Add tags to ${devices.length} devices`
      }
      closeOnClickOutside={!running}
      closeOnEscape={!running}
      withCloseButton={!running}
    >
      <Stack gap="sm">
        <TagsInput
          label="Tags to add"
          description="Press Enter after each tag. New tags are created. Existing tags on the devices are kept."
          placeholder="e.g. web, site:paris"
          data={(tags.data ?? []).map((t) => t.name)}
          value={value}
          onChange={setValue}
          error={problem}
          maxTags={50}
          splitChars={[',', ' ']}
          openOnFocus={false}
          data-autofocus
          disabled={running}
        />
        {running && (
          <Stack gap={4}>
            <Progress
              value={(progress / Math.max(1, devices.length)) * 100}
              animated
              aria-label="Tagging progress"
            />
            <Text size="xs" c="dimmed">
              Tagged {progress} of {devices.length}…
            </Text>
          </Stack>
        )}
        {failures.length > 0 && (
          <Alert color="red" title={`${failures.length} could not be tagged`} role="alert">
            <List size="sm">
              {failures.slice(0, 8).map((f) => (
                <List.Item key={f.name}>
                  {f.name}: {f.reason}
                </List.Item>
              ))}
            </List>
          </Alert>
        )}
        <Group justify="flex-end" mt="sm">
          <Button variant="default" onClick={close} disabled={running}>
            {failures.length > 0 ? 'Close' : 'Cancel'}
          </Button>
          <Button
            onClick={() => void apply()}
            loading={running}
            disabled={normalized.length === 0 || problem !== null}
          >
            Add tags
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
