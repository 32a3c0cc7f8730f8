import { type CreateUserRequest, NAME_MAX_LENGTH } from '@fleetdesk/api-types';
import {
  Alert,
  Button,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { errorMessage } from '../../api/client';
import { notifySuccess } from '../../lib/notify';
import {
  fieldError,
  isFieldLevel,
  missing,
  PASSWORD_MIN,
  ROLE_HELP,
  ROLE_OPTIONS,
  useCreateUser,
} from './users-api';

const EMPTY: CreateUserRequest = { email: '', displayName: '', password: '', role: 'technician' };
const FIELDS = ['email', 'displayName', 'password', 'role'];

export function CreateUserModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [form, setForm] = useState<CreateUserRequest>(EMPTY);
  const [empty, setEmpty] = useState<Partial<Record<keyof CreateUserRequest, string>>>({});
  const create = useCreateUser();
  const errorOf = (field: keyof CreateUserRequest) =>
    empty[field] ?? fieldError(create.error, field);

  // Cleared once the close animation ends, so the modal does not change under the user's eyes.
  const clear = () => {
    setForm(EMPTY);
    setEmpty({});
    create.reset();
  };

  const close = onClose;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const blanks = missing(form, {
      email: 'Enter the email address they will sign in with',
      displayName: 'Enter the name shown in the console and the audit log',
      password: `Enter a password of at least ${PASSWORD_MIN} characters`,
    });
    setEmpty(blanks);
    if (Object.keys(blanks).length > 0) return;
    create.mutate(form, {
      onSuccess: (user) => {
        notifySuccess(`User ${user.email} created.`);
        close();
      },
    });
  };

  return (
    <Modal
      onExitTransitionEnd={clear}
      opened={opened}
      onClose={close}
      title="Add a user"
      closeOnClickOutside={false}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form onSubmit={submit} noValidate aria-label="Add a user">
        <Stack>
          {create.isError && !isFieldLevel(create.error, FIELDS) && (
            <Alert color="red" role="alert" title="The user was not created">
              {errorMessage(create.error)}
            </Alert>
          )}
          <TextInput
            label="Email"
            type="email"
            required
            data-autofocus
            autoComplete="off"
            value={form.email}
            onChange={(e) => setForm({ ...form, email: e.currentTarget.value })}
            error={errorOf('email')}
          />
          <TextInput
            label="Display name"
            required
            maxLength={NAME_MAX_LENGTH}
            autoComplete="off"
            value={form.displayName}
            onChange={(e) => setForm({ ...form, displayName: e.currentTarget.value })}
            error={errorOf('displayName')}
          />
          <PasswordInput
            label="Password"
            description={`At least ${PASSWORD_MIN} characters. Users cannot change their own password yet: hand it over safely.`}
            required
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
            error={errorOf('password')}
          />
          <Select
            label="Role"
            description={ROLE_HELP}
            required
            allowDeselect={false}
            data={ROLE_OPTIONS}
            value={form.role}
            onChange={(value) => value && setForm({ ...form, role: value })}
            error={errorOf('role')}
            comboboxProps={{ withinPortal: true }}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={create.isPending}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
