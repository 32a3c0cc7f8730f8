import {
  API_TOKEN_LIMITS,
  type CreatedApiTokenResponse,
  NAME_MAX_LENGTH,
} from '@fleetdesk/api-types';
import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { ApiError, errorMessage } from '../../api/client';
import { formatDateTime } from '../../lib/format';
import { fieldError } from '../users/users-api';
import { useCreateToken } from './tokens-api';

const EXPIRY_OPTIONS = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: '365', label: '1 year' },
  { value: 'custom', label: 'Custom…' },
  { value: 'never', label: 'Never' },
];

const MAX_DAYS = API_TOKEN_LIMITS.expiresInDays.max;

/**
 * Creates a personal API token, then shows its secret exactly once. The secret lives only in
 * this component's state and is dropped when the modal closes.
 */
export function CreateTokenModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const [name, setName] = useState('');
  const [expiry, setExpiry] = useState('90');
  const [customDays, setCustomDays] = useState<number | string>(30);
  const [created, setCreated] = useState<CreatedApiTokenResponse | null>(null);
  const [blankName, setBlankName] = useState(false);
  const create = useCreateToken();

  // Cleared once the close animation ends, so the modal does not change under the user's eyes.
  const clear = () => {
    setName('');
    setExpiry('90');
    setCustomDays(30);
    setCreated(null);
    setBlankName(false);
    create.reset();
  };

  const close = onClose;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setBlankName(!name.trim());
    if (!name.trim()) return;
    const days =
      expiry === 'never' ? undefined : expiry === 'custom' ? Number(customDays) : Number(expiry);
    create.mutate(
      { name, ...(days === undefined ? {} : { expiresInDays: days }) },
      { onSuccess: setCreated },
    );
  };

  const formLevelError =
    create.isError &&
    !(
      create.error instanceof ApiError &&
      create.error.fieldErrors.length > 0 &&
      create.error.fieldErrors.every((f) => f.field === 'name' || f.field === 'expiresInDays')
    );

  return (
    <Modal
      onExitTransitionEnd={clear}
      opened={opened}
      onClose={close}
      title={created ? 'Copy your new API token' : 'Create an API token'}
      // Losing the one-time secret to a stray click outside would force a new token.
      closeOnClickOutside={false}
      closeOnEscape={!created}
      closeButtonProps={{ 'aria-label': 'Close' }}
      size={created ? 'lg' : 'md'}
    >
      {created ? (
        <Stack data-testid="token-secret-view">
          <Alert color="orange" title="This is the only time you will see it" role="alert">
            Copy the token now and store it in a password manager or your automation&apos;s secret
            store. Fleetdesk keeps only a hash: if you lose it, revoke it and create a new one.
          </Alert>
          <TextInput
            label={`Token “${created.name}”`}
            readOnly
            value={created.token}
            data-testid="token-secret"
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            onFocus={(e) => e.currentTarget.select()}
          />
          {!window.isSecureContext && (
            <Text size="sm">
              This console is served over plain HTTP, where browsers may block the Copy button:
              click the token and press Ctrl+C (⌘C on a Mac).
            </Text>
          )}
          <Text size="sm" c="dimmed">
            {created.expiresAt ? `Expires ${formatDateTime(created.expiresAt)}.` : 'Never expires.'}{' '}
            Use it as <Code>Authorization: Bearer {'<token>'}</Code>.
          </Text>
          <Group justify="flex-end">
            <CopyButton value={created.token} timeout={3000}>
              {({ copied, copy }) => (
                <Button
                  color={copied ? 'teal' : 'blue'}
                  variant="light"
                  onClick={copy}
                  data-autofocus
                >
                  {copied ? 'Copied' : 'Copy token'}
                </Button>
              )}
            </CopyButton>
            <Button onClick={close}>I have stored it, close</Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate aria-label="Create an API token">
          <Stack>
            {formLevelError && (
              <Alert color="red" role="alert" title="The token was not created">
                {errorMessage(create.error)}
              </Alert>
            )}
            <TextInput
              label="Name"
              description="What will use it, so you recognise it later (e.g. “nightly inventory export”)"
              required
              maxLength={NAME_MAX_LENGTH}
              data-autofocus
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={
                blankName
                  ? 'Name the token after what will use it'
                  : fieldError(create.error, 'name')
              }
            />
            <Select
              label="Expires after"
              allowDeselect={false}
              data={EXPIRY_OPTIONS}
              value={expiry}
              onChange={(v) => v && setExpiry(v)}
              error={expiry === 'custom' ? undefined : fieldError(create.error, 'expiresInDays')}
              comboboxProps={{ withinPortal: true }}
            />
            {expiry === 'custom' && (
              <NumberInput
                label="Days until it expires"
                description={`1 to ${MAX_DAYS}`}
                min={1}
                max={MAX_DAYS}
                allowDecimal={false}
                allowNegative={false}
                value={customDays}
                onChange={setCustomDays}
                error={fieldError(create.error, 'expiresInDays')}
              />
            )}
            {expiry === 'never' && (
              <Text size="sm" c="orange">
                A token that never expires works until you revoke it. Prefer an expiry for anything
                stored on a shared machine.
              </Text>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close} disabled={create.isPending}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create token
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
