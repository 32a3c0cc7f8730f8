import type { UserResponse } from '@fleetdesk/api-types';
import { Alert, Button, Group, Modal, PasswordInput, Stack, Text } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { notifySuccess } from '../../lib/notify';
import { fieldError, isFieldLevel, PASSWORD_MIN, useUpdateUser } from './users-api';

/** Sets a new password for a user (PATCH /users/:id {password}); it ends their sessions. */
export function ResetPasswordModal({
  user,
  opened,
  isSelf,
  onClose,
}: {
  user: UserResponse | null;
  opened: boolean;
  isSelf: boolean;
  onClose: () => void;
}) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [blank, setBlank] = useState(false);
  const update = useUpdateUser();

  // Cleared once the close animation ends, so the modal does not change under the user's eyes.
  const clear = () => {
    setPassword('');
    setConfirm('');
    setMismatch(false);
    setBlank(false);
    update.reset();
  };

  const close = onClose;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!user) return;
    if (!password) {
      setMismatch(false);
      setBlank(true);
      return;
    }
    setBlank(false);
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    update.mutate(
      { user, change: { password } },
      {
        onSuccess: () => {
          notifySuccess(`Password of ${user.email} changed.`);
          close();
        },
      },
    );
  };

  return (
    <Modal
      onExitTransitionEnd={clear}
      opened={opened && user !== null}
      onClose={close}
      title={user ? `Reset password of ${user.email}` : ''}
      closeOnClickOutside={false}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form onSubmit={submit} noValidate aria-label="Reset password">
        <Stack>
          {/* Lets password managers file the new password under the right account. */}
          <input type="text" autoComplete="username" value={user?.email ?? ''} readOnly hidden />
          <Text size="sm">
            {isSelf
              ? 'This signs you out everywhere, this browser included: sign in again with the new password.'
              : 'This signs them out of every browser at once. Their personal API tokens keep working.'}
          </Text>
          {update.isError && !isFieldLevel(update.error, ['password']) && (
            <Alert color="red" role="alert" title="The password was not changed">
              {errorMessage(update.error)}
            </Alert>
          )}
          <PasswordInput
            label="New password"
            description={`At least ${PASSWORD_MIN} characters`}
            required
            data-autofocus
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={
              blank
                ? `Enter a password of at least ${PASSWORD_MIN} characters`
                : fieldError(update.error, 'password')
            }
          />
          <PasswordInput
            label="Confirm password"
            required
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={mismatch ? 'The two passwords differ' : undefined}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={update.isPending}>
              Cancel
            </Button>
            <Button type="submit" color={isSelf ? 'orange' : undefined} loading={update.isPending}>
              Set new password
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
