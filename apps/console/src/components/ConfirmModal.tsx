import { Alert, Button, Group, Modal, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorMessage } from '../api/client';

/**
 * Asks before a destructive or self-affecting change. The server's refusal is shown inside the
 * modal, next to the action that caused it, rather than in a toast that may go unread.
 */
export function ConfirmModal({
  opened,
  title,
  children,
  confirmLabel,
  cancelLabel = 'Cancel',
  color = 'red',
  loading,
  error,
  errorTitle = 'The server refused',
  onConfirm,
  onClose,
}: {
  opened: boolean;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  cancelLabel?: string;
  color?: string;
  loading: boolean;
  error: unknown;
  errorTitle?: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={title}
      closeOnClickOutside={!loading}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack>
        {children}
        {error != null && (
          <Alert color="red" title={errorTitle} role="alert">
            {errorMessage(error)}
          </Alert>
        )}
        <Group justify="flex-end">
          {/* Focus starts on Cancel, so a stray Enter does not confirm a destructive action. */}
          <Button variant="default" onClick={onClose} disabled={loading} data-autofocus>
            {cancelLabel}
          </Button>
          <Button color={color} loading={loading} onClick={onConfirm}>
            {confirmLabel}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
