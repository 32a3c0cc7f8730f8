import { Alert, Button, Group, List, Modal, Progress, Stack, Text } from '@mantine/core';
import type { DeviceResponse } from '@fleetdesk/api-types';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage } from '../../api/client';
import { notifyError, notifySuccess } from '../../lib/notify';
import { deviceKeys } from './api';
import { bulkDevices } from './bulk';

export type DeviceRef = Pick<DeviceResponse, 'id' | 'displayName' | 'status'>;

const NAMES_SHOWN = 8;

/**
 * Asks before revoking and says what revoking does: it cannot be undone, so the technician
 * sees exactly which devices it will hit.
 */
export function RevokeDevicesModal({
  opened,
  onClose,
  devices,
  onDone,
}: {
  opened: boolean;
  onClose: () => void;
  devices: DeviceRef[];
  /** Called with the ids that were revoked. */
  onDone?: (revokedIds: string[]) => void;
}) {
  const client = useQueryClient();
  const [progress, setProgress] = useState<number | null>(null);
  const [failures, setFailures] = useState<{ name: string; reason: string }[]>([]);
  // Frozen when the dialog opens: the revokes below update the very devices passed in, and
  // the dialog must keep describing what it was asked to do.
  const [snapshot, setSnapshot] = useState<DeviceRef[]>(devices);
  const [shownOpen, setShownOpen] = useState(opened);
  if (opened !== shownOpen) {
    setShownOpen(opened);
    if (opened) setSnapshot(devices);
  }
  const targets = snapshot.filter((d) => d.status !== 'revoked');
  const alreadyRevoked = snapshot.length - targets.length;
  const running = progress !== null;

  const close = () => {
    if (running) return;
    setFailures([]);
    onClose();
  };

  const revoke = async () => {
    setFailures([]);
    setProgress(0);
    const failed = await bulkDevices('revoke', targets, {}, setProgress);
    setProgress(null);
    void client.invalidateQueries({ queryKey: deviceKeys.all });
    const failedIds = new Set(failed.map((f) => f.item.id));
    const revoked = targets.filter((d) => !failedIds.has(d.id)).map((d) => d.id);
    if (failed.length === 0) {
      notifySuccess(
        revoked.length === 1
          ? `${targets[0].displayName} was revoked.`
          : `${revoked.length} devices were revoked.`,
      );
      onDone?.(revoked);
      onClose();
      return;
    }
    if (failed.length === 1 && targets.length === 1) notifyError(failed[0].error, 'Revoke failed');
    setFailures(failed.map((f) => ({ name: f.item.displayName, reason: errorMessage(f.error) })));
    onDone?.(revoked);
  };

  const count = targets.length;
  return (
    <Modal
      opened={opened}
      onClose={close}
      title={count === 1 ? `Revoke ${targets[0].displayName}?` : `Revoke ${count} devices?`}
      closeOnClickOutside={!running}
      closeOnEscape={!running}
      withCloseButton={!running}
    >
      <Stack gap="sm">
        {count === 0 ? (
          <Text size="sm">
            {alreadyRevoked === 1
              ? 'This device is already revoked.'
              : 'Every selected device is already revoked.'}
          </Text>
        ) : (
          <>
            <Text size="sm">
              Revoking cuts the agent&apos;s connection now and refuses it from then on: the device
              stops reporting and runs no more scripts. Pending runs for it will expire. This cannot
              be undone — to manage the device again, enroll it anew with a fresh enrollment token.
              Its history and audit trail are kept.
            </Text>
            <List size="sm" spacing={2} data-testid="revoke-device-list">
              {targets.slice(0, NAMES_SHOWN).map((d) => (
                <List.Item key={d.id}>{d.displayName}</List.Item>
              ))}
              {count > NAMES_SHOWN && <List.Item>and {count - NAMES_SHOWN} more</List.Item>}
            </List>
            {alreadyRevoked > 0 && (
              <Text size="sm" c="dimmed">
                {alreadyRevoked} already revoked{' '}
                {alreadyRevoked === 1 ? 'device is' : 'devices are'} left as they are.
              </Text>
            )}
          </>
        )}
        {running && (
          <Stack gap={4}>
            <Progress
              value={(progress / Math.max(1, count)) * 100}
              animated
              aria-label="Revoke progress"
            />
            <Text size="xs" c="dimmed">
              Revoked {progress} of {count}…
            </Text>
          </Stack>
        )}
        {failures.length > 0 && (
          <Alert color="red" title={`${failures.length} could not be revoked`} role="alert">
            <List size="sm">
              {failures.slice(0, NAMES_SHOWN).map((f) => (
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
          {count > 0 && failures.length === 0 && (
            <Button color="red" onClick={() => void revoke()} loading={running}>
              {count === 1 ? 'Revoke device' : `Revoke ${count} devices`}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
