import { Badge, Button, Code, Skeleton, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { EnrollmentTokenResponse, EnrollmentTokenState } from '@fleetdesk/api-types';
import { useState } from 'react';
import { del, get } from '../../api/client';
import { EmptyState, ErrorAlert, RelativeTime } from '../../components/common';
import { ConfirmModal } from '../../components/ConfirmModal';
import { formatDateTime } from '../../lib/format';
import { notifyError, notifySuccess } from '../../lib/notify';
import { fetchGroups, groupsKey } from '../devices/api';
import { enrollmentTokensKey } from './CreateTokenForm';

const STATE_LABEL: Record<EnrollmentTokenState, { label: string; color: string }> = {
  active: { label: 'active', color: 'green' },
  expired: { label: 'expired', color: 'gray' },
  used_up: { label: 'used up', color: 'gray' },
  revoked: { label: 'revoked', color: 'red' },
};

/** "in 5 h" or "3 d ago": expiry is in the future, which timeAgo does not cover. */
function relative(iso: string, now: number): string {
  const diff = new Date(iso).getTime() - now;
  const abs = Math.abs(diff) / 1000;
  const text =
    abs < 3600
      ? `${Math.max(1, Math.round(abs / 60))} min`
      : abs < 86_400
        ? `${Math.round(abs / 3600)} h`
        : `${Math.round(abs / 86_400)} d`;
  return diff >= 0 ? `in ${text}` : `${text} ago`;
}

function RevokeTokenModal({
  token,
  onClose,
}: {
  token: EnrollmentTokenResponse | null;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const revoke = useMutation({
    mutationFn: (id: string) => del<EnrollmentTokenResponse>(`/enrollment-tokens/${id}`),
    onSuccess: (t) => {
      notifySuccess(`Token "${t.name}" was revoked.`);
      void client.invalidateQueries({ queryKey: enrollmentTokensKey });
      onClose();
    },
    onError: (e) => notifyError(e, 'Could not revoke the token'),
  });
  return (
    <ConfirmModal
      opened={token !== null}
      onClose={onClose}
      title={token ? `Revoke token "${token.name}"?` : ''}
      confirmLabel="Revoke token"
      loading={revoke.isPending}
      error={revoke.error}
      onConfirm={() => token && revoke.mutate(token.id)}
    >
      <Text size="sm">
        No device can enroll with this token any more. Devices already enrolled with it are not
        affected: they stay connected and managed.
      </Text>
    </ConfirmModal>
  );
}

/** Every enrollment token (newest first, as the server keeps them), with a revoke for live ones. */
export function TokensTable() {
  const tokens = useQuery({
    queryKey: enrollmentTokensKey,
    queryFn: () => get<EnrollmentTokenResponse[]>('/enrollment-tokens'),
  });
  const groups = useQuery({ queryKey: groupsKey, queryFn: fetchGroups, staleTime: 60_000 });
  const [revoking, setRevoking] = useState<EnrollmentTokenResponse | null>(null);
  // Captured when the list arrives, so the "in 5 h" texts are stable while rendering.
  const now = tokens.dataUpdatedAt;

  if (tokens.isError)
    return <ErrorAlert error={tokens.error} onRetry={() => void tokens.refetch()} />;
  if (tokens.isPending) {
    return (
      <Stack gap={6}>
        {Array.from({ length: 3 }, (_, i) => (
          <Skeleton key={i} h={36} />
        ))}
      </Stack>
    );
  }
  if (tokens.data.length === 0) {
    return (
      <EmptyState title="No enrollment tokens yet">
        Create one above to enroll your first devices.
      </EmptyState>
    );
  }
  const groupName = new Map((groups.data ?? []).map((g) => [g.id, g.name]));

  return (
    <>
      <Table.ScrollContainer minWidth={960}>
        <Table verticalSpacing="xs" data-testid="enrollment-tokens">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th w={130}>Token</Table.Th>
              <Table.Th w={100}>State</Table.Th>
              <Table.Th w={110}>Uses</Table.Th>
              <Table.Th w={100}>Rate</Table.Th>
              <Table.Th w={130}>Expires</Table.Th>
              <Table.Th w={180}>Enrolls into</Table.Th>
              <Table.Th w={110}>Created</Table.Th>
              <Table.Th w={100} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tokens.data.map((t) => {
              const state = STATE_LABEL[t.state];
              const into = [
                ...(t.groupId ? [`group ${groupName.get(t.groupId) ?? '(deleted)'}`] : []),
                ...t.tags.map((tag) => `#${tag}`),
              ];
              return (
                <Table.Tr
                  key={t.id}
                  data-testid="enrollment-token-row"
                  data-token-id={t.id}
                  data-state={t.state}
                >
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{t.name}</Table.Td>
                  <Table.Td>
                    <Code>{t.prefix}…</Code>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={state.color} variant="light">
                      {state.label}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    {t.uses} / {t.maxUses ?? '∞'}
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label="Enrollments admitted per minute; more are asked to retry">
                      <Text size="sm" span>
                        {t.ratePerMinute.toLocaleString('en')}/min
                      </Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Tooltip label={formatDateTime(t.expiresAt)}>
                      <Text size="sm" span c={t.state === 'expired' ? 'dimmed' : undefined}>
                        {relative(t.expiresAt, now)}
                      </Text>
                    </Tooltip>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" c={into.length ? undefined : 'dimmed'} lineClamp={2}>
                      {into.length ? into.join(', ') : '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <RelativeTime iso={t.createdAt} />
                  </Table.Td>
                  <Table.Td>
                    {t.state !== 'revoked' && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => setRevoking(t)}
                        aria-label={`Revoke token ${t.name}`}
                      >
                        Revoke
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <RevokeTokenModal token={revoking} onClose={() => setRevoking(null)} />
    </>
  );
}
