import type { ApiTokenResponse } from '@fleetdesk/api-types';
import { Badge, Button, Code, Group, Loader, Switch, Table, Text, Tooltip } from '@mantine/core';
import { useState } from 'react';
import {
  EmptyState,
  ErrorAlert,
  PageHeader,
  RelativeTime,
  visuallyHidden,
} from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { notifySuccess } from '../../lib/notify';
import { ConfirmModal } from '../../components/ConfirmModal';
import { CreateTokenModal } from './CreateTokenModal';
import { type TokenState, tokenState, useNow, useRevokeToken, useTokens } from './tokens-api';

const STATE_BADGE: Record<TokenState, { color: string; label: string }> = {
  active: { color: 'green', label: 'Active' },
  expiring: { color: 'yellow', label: 'Expiring' },
  expired: { color: 'gray', label: 'Expired' },
  revoked: { color: 'red', label: 'Revoked' },
};

export function TokensPage() {
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [creating, setCreating] = useState(false);
  // Kept while the modal closes, so its text does not blank mid-animation.
  const [revoking, setRevoking] = useState<ApiTokenResponse | null>(null);
  const [revokeOpen, setRevokeOpen] = useState(false);
  const [showInactive, setShowInactive] = useState(true);

  const closeRevoke = () => {
    setRevokeOpen(false);
    revoke.reset();
  };

  const confirmRevoke = () => {
    if (!revoking) return;
    revoke.mutate(revoking, {
      onSuccess: (t) => {
        notifySuccess(`Token “${t.name}” revoked. Anything still using it now gets 401.`);
        closeRevoke();
      },
    });
  };

  const now = useNow();
  const all = tokens.data ?? [];
  const inactiveCount = all.filter((t) => {
    const s = tokenState(t, now);
    return s === 'revoked' || s === 'expired';
  }).length;
  const visible = showInactive
    ? all
    : all.filter((t) => {
        const s = tokenState(t, now);
        return s !== 'revoked' && s !== 'expired';
      });

  return (
    <>
      <PageHeader
        title="API tokens"
        actions={<Button onClick={() => setCreating(true)}>Create token</Button>}
      />
      <Text size="sm" mb="md" data-testid="tokens-explainer">
        Personal tokens for scripts and automation: send one as{' '}
        <Code>Authorization: Bearer {'<token>'}</Code>; it acts as you, with exactly your rights.
      </Text>

      {tokens.isError && <ErrorAlert error={tokens.error} onRetry={() => void tokens.refetch()} />}
      {tokens.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading API tokens" />
        </Group>
      )}
      {tokens.data && all.length === 0 && (
        <EmptyState
          title="You have no API tokens"
          action={<Button onClick={() => setCreating(true)}>Create your first token</Button>}
        >
          Create one when a script or tool needs to call the Fleetdesk API on your behalf.
        </EmptyState>
      )}
      {tokens.data && all.length > 0 && (
        <>
          {inactiveCount > 0 && (
            <Group justify="flex-end" mb="xs">
              <Switch
                label={`Show revoked and expired (${inactiveCount})`}
                checked={showInactive}
                onChange={(e) => setShowInactive(e.currentTarget.checked)}
              />
            </Group>
          )}
          <Table.ScrollContainer minWidth={860}>
            <Table striped highlightOnHover verticalSpacing="xs" data-testid="tokens-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th w={150}>Prefix</Table.Th>
                  <Table.Th w={120}>Created</Table.Th>
                  <Table.Th w={120}>Expires</Table.Th>
                  <Table.Th w={120}>Last used</Table.Th>
                  <Table.Th w={120}>Status</Table.Th>
                  <Table.Th w={100}>
                    <span style={visuallyHidden}>Actions</span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {visible.map((t) => (
                  <TokenRow
                    key={t.id}
                    token={t}
                    now={now}
                    onRevoke={() => {
                      setRevoking(t);
                      setRevokeOpen(true);
                    }}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </>
      )}

      <CreateTokenModal opened={creating} onClose={() => setCreating(false)} />
      <ConfirmModal
        opened={revokeOpen}
        title="Revoke API token"
        confirmLabel="Revoke token"
        loading={revoke.isPending}
        error={revoke.error}
        onConfirm={confirmRevoke}
        onClose={closeRevoke}
      >
        <Text size="sm">
          Revoke{' '}
          <Text span fw={600}>
            {revoking?.name}
          </Text>
          , prefix <Code>{revoking?.prefix}…</Code>? Every script using it is refused from now on.
          This cannot be undone.
        </Text>
      </ConfirmModal>
    </>
  );
}

function TokenRow({
  token,
  now,
  onRevoke,
}: {
  token: ApiTokenResponse;
  now: number;
  onRevoke: () => void;
}) {
  const state = tokenState(token, now);
  const inactive = state === 'revoked' || state === 'expired';
  const badge = STATE_BADGE[state];
  return (
    <Table.Tr data-testid="token-row" data-state={state} opacity={inactive ? 0.6 : 1}>
      <Table.Td>
        <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
          {token.name}
        </Text>
      </Table.Td>
      <Table.Td>
        <Code>{token.prefix}…</Code>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          <RelativeTime iso={token.createdAt} />
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" title={token.expiresAt ? formatDateTime(token.expiresAt) : undefined}>
          {token.expiresAt ? new Date(token.expiresAt).toLocaleDateString() : 'Never'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {token.lastUsedAt ? <RelativeTime iso={token.lastUsedAt} /> : 'Never'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Tooltip
          label={`Revoked ${formatDateTime(token.revokedAt)}`}
          disabled={state !== 'revoked'}
        >
          <Badge color={badge.color} variant="light">
            {badge.label}
          </Badge>
        </Tooltip>
      </Table.Td>
      <Table.Td>
        {state !== 'revoked' && (
          <Button
            size="xs"
            variant="light"
            color="red"
            aria-label={`Revoke token ${token.name}`}
            onClick={onRevoke}
          >
            Revoke
          </Button>
        )}
      </Table.Td>
    </Table.Tr>
  );
}
