import { PASSWORD_MIN } from '@fleetdesk/api-types';
import {
  Alert,
  Button,
  Center,
  Code,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, errorMessage, post } from '../../api/client';
import { useAuth } from '../../auth/auth';

/** First start: the server printed a one-time setup token; whoever holds it creates the admin. */
export function SetupPage() {
  const { refresh } = useAuth();
  const [form, setForm] = useState({ setupToken: '', email: '', displayName: '', password: '' });
  const [confirm, setConfirm] = useState('');
  const set = (key: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm({ ...form, [key]: e.currentTarget.value });

  const setup = useMutation({
    mutationFn: async () => {
      // A typo in the first admin's password would lock everyone out.
      if (form.password !== confirm) {
        throw new ApiError(400, 'MISMATCH', 'The two passwords differ.', [
          { field: 'confirm', reason: 'Type the same password twice' },
        ]);
      }
      try {
        await post('/setup', { ...form, setupToken: form.setupToken.trim() });
      } catch (error) {
        // Someone (or an earlier attempt of ours) finished setup: go to sign-in instead.
        if (error instanceof ApiError && error.code === 'SETUP_ALREADY_DONE') await refresh();
        throw error;
      }
      await post('/auth/login', { email: form.email, password: form.password });
    },
    onSuccess: refresh,
  });
  const fieldError = (field: string) =>
    setup.error instanceof ApiError
      ? setup.error.fieldErrors.find((f) => f.field === field)?.reason
      : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setup.mutate();
  };

  return (
    <Center mih="100vh" p="md">
      <Paper component="form" onSubmit={submit} withBorder p="xl" w={460} radius="md">
        <Stack>
          <Title order={2}>Set up Fleetdesk</Title>
          <Text size="sm">
            Create the first administrator. The server printed a one-time setup token in its log
            when it first started (a line with <Code>setup token</Code>).
          </Text>
          {setup.isError && (
            <Alert color="red" role="alert">
              {errorMessage(setup.error)}
            </Alert>
          )}
          <TextInput
            label="Setup token"
            required
            autoFocus
            autoComplete="off"
            spellCheck={false}
            ff="monospace"
            value={form.setupToken}
            onChange={set('setupToken')}
            error={fieldError('setupToken')}
          />
          <TextInput
            label="Your name"
            required
            value={form.displayName}
            onChange={set('displayName')}
            error={fieldError('displayName')}
          />
          <TextInput
            label="Email"
            type="email"
            required
            autoComplete="username"
            value={form.email}
            onChange={set('email')}
            error={fieldError('email')}
          />
          <PasswordInput
            label="Password"
            description={`At least ${PASSWORD_MIN} characters`}
            required
            autoComplete="new-password"
            value={form.password}
            onChange={set('password')}
            error={fieldError('password')}
          />
          <PasswordInput
            label="Confirm password"
            required
            autoComplete="new-password"
            value={confirm}
            onChange={(e) => setConfirm(e.currentTarget.value)}
            error={fieldError('confirm')}
          />
          <Button type="submit" loading={setup.isPending}>
            Create administrator
          </Button>
        </Stack>
      </Paper>
    </Center>
  );
}
