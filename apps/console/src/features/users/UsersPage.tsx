import type { Role, UserResponse } from '@fleetdesk/api-types';
import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Loader,
  Menu,
  Pagination,
  Select,
  Stack,
  Table,
  Text,
} from '@mantine/core';
import { type ReactNode, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { ApiError } from '../../api/client';
import { useAuth } from '../../auth/auth';
import {
  EmptyState,
  ErrorAlert,
  PageHeader,
  RelativeTime,
  visuallyHidden,
} from '../../components/common';
import { formatDateTime } from '../../lib/format';
import { notifyError, notifySuccess } from '../../lib/notify';
import { ConfirmModal } from '../../components/ConfirmModal';
import { CreateUserModal } from './CreateUserModal';
import { ResetPasswordModal } from './ResetPasswordModal';
import { ROLE_OPTIONS, useDeleteUser, useUpdateUser, useUsers } from './users-api';

const PAGE_SIZE = 50;

type Pending =
  | { kind: 'delete'; user: UserResponse }
  | { kind: 'disable'; user: UserResponse }
  | { kind: 'own-role'; user: UserResponse; role: Role };

function roleLabel(role: Role): string {
  return ROLE_OPTIONS.find((r) => r.value === role)?.label ?? role;
}

/** The server's last-admin rule gets its own title; it is the refusal admins meet most. */
function refusalTitle(error: unknown): string {
  return error instanceof ApiError && error.code === 'USER_LAST_ADMIN'
    ? 'Fleetdesk needs at least one enabled admin'
    : 'The server refused';
}

export function UsersPage() {
  const { user: me } = useAuth();
  const [params, setParams] = useSearchParams();
  const page = Math.max(1, Number(params.get('page')) || 1);
  const users = useUsers(page, PAGE_SIZE);
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<UserResponse | null>(null);
  // The subject stays set while a modal closes, so its text does not blank mid-animation.
  const [pending, setPending] = useState<Pending | null>(null);
  const [confirmOpen, setConfirmOpen] = useState(false);
  const [resetOpen, setResetOpen] = useState(false);
  const ask = (next: Pending) => {
    setPending(next);
    setConfirmOpen(true);
  };

  const closePending = () => {
    setConfirmOpen(false);
    update.reset();
    remove.reset();
  };

  const changeRole = (user: UserResponse, role: Role) => {
    if (role === user.role) return;
    if (user.id === me?.id) {
      ask({ kind: 'own-role', user, role });
      return;
    }
    update.mutate(
      { user, change: { role } },
      {
        onSuccess: () =>
          notifySuccess(`${user.email} now has the ${roleLabel(role).toLowerCase()} role.`),
        onError: (e) => notifyError(e, refusalTitle(e)),
      },
    );
  };

  const enable = (user: UserResponse) =>
    update.mutate(
      { user, change: { disabled: false } },
      {
        onSuccess: () => notifySuccess(`${user.email} can sign in again.`),
        onError: (e) => notifyError(e, refusalTitle(e)),
      },
    );

  const confirmPending = () => {
    if (!pending || !confirmOpen) return;
    const { user } = pending;
    switch (pending.kind) {
      case 'delete':
        remove.mutate(user, {
          onSuccess: () => {
            notifySuccess(`User ${user.email} deleted.`);
            closePending();
          },
        });
        break;
      case 'disable':
        update.mutate(
          { user, change: { disabled: true } },
          {
            onSuccess: () => {
              notifySuccess(`${user.email} is disabled and signed out.`);
              closePending();
            },
          },
        );
        break;
      case 'own-role':
        update.mutate(
          { user, change: { role: pending.role } },
          {
            onSuccess: () => {
              notifySuccess(`You now have the ${roleLabel(pending.role).toLowerCase()} role.`);
              closePending();
            },
          },
        );
        break;
    }
  };

  const setPage = (next: number) =>
    setParams((prev) => {
      const copy = new URLSearchParams(prev);
      if (next === 1) copy.delete('page');
      else copy.set('page', String(next));
      return copy;
    });

  const rowBusy = (user: UserResponse) =>
    (update.isPending && update.variables?.user.id === user.id) ||
    (remove.isPending && remove.variables?.id === user.id);

  return (
    <>
      <PageHeader
        title="Users"
        actions={<Button onClick={() => setCreating(true)}>Add user</Button>}
      />
      <Text size="sm" c="dimmed" mb="md">
        People who can sign in to this console. Changing a role takes effect on their next click;
        disabling someone signs them out everywhere and stops their API tokens.
      </Text>

      {users.isError && <ErrorAlert error={users.error} onRetry={() => void users.refetch()} />}
      {users.isPending && (
        <Group justify="center" py="xl">
          <Loader aria-label="Loading users" />
        </Group>
      )}
      {users.data && users.data.items.length === 0 && (
        <EmptyState
          title="No users on this page"
          action={
            page > 1 ? (
              <Button variant="light" onClick={() => setPage(1)}>
                Go to the first page
              </Button>
            ) : undefined
          }
        />
      )}
      {users.data && users.data.items.length > 0 && (
        <Stack>
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover verticalSpacing="xs" data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>User</Table.Th>
                  <Table.Th w={160}>Role</Table.Th>
                  <Table.Th w={110}>Status</Table.Th>
                  <Table.Th w={140}>Last sign-in</Table.Th>
                  <Table.Th w={140}>Created</Table.Th>
                  <Table.Th w={60}>
                    <Text span size="sm" fw={700} style={visuallyHidden}>
                      Actions
                    </Text>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {users.data.items.map((u) => (
                  <UserRow
                    key={u.id}
                    user={u}
                    isSelf={u.id === me?.id}
                    busy={rowBusy(u)}
                    onRole={(role) => changeRole(u, role)}
                    onEnable={() => enable(u)}
                    onDisable={() => ask({ kind: 'disable', user: u })}
                    onDelete={() => ask({ kind: 'delete', user: u })}
                    onResetPassword={() => {
                      setResetting(u);
                      setResetOpen(true);
                    }}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          {users.data.total > PAGE_SIZE && (
            <Group justify="flex-end">
              <Pagination
                total={Math.ceil(users.data.total / PAGE_SIZE)}
                value={page}
                onChange={setPage}
                aria-label="Users pages"
              />
            </Group>
          )}
        </Stack>
      )}

      <CreateUserModal opened={creating} onClose={() => setCreating(false)} />
      <ResetPasswordModal
        user={resetting}
        opened={resetOpen}
        isSelf={resetting?.id === me?.id}
        onClose={() => setResetOpen(false)}
      />
      <ConfirmModal
        opened={confirmOpen}
        onClose={closePending}
        onConfirm={confirmPending}
        loading={update.isPending || remove.isPending}
        error={update.error ?? remove.error}
        errorTitle={refusalTitle(update.error ?? remove.error)}
        {...confirmText(pending)}
      />
    </>
  );
}

function confirmText(pending: Pending | null): {
  title: string;
  confirmLabel: string;
  color?: string;
  children: ReactNode;
} {
  if (!pending) return { title: '', confirmLabel: '', children: null };
  const email = (
    <Text span fw={600}>
      {pending.user.email}
    </Text>
  );
  switch (pending.kind) {
    case 'delete':
      return {
        title: 'Delete user',
        confirmLabel: 'Delete user',
        children: (
          <Text size="sm">
            Delete {email}? They are signed out, their API tokens are deleted with them, and this
            cannot be undone. Their past actions stay in the audit log. To keep the account for
            later, disable it instead.
          </Text>
        ),
      };
    case 'disable':
      return {
        title: 'Disable user',
        confirmLabel: 'Disable user',
        color: 'orange',
        children: (
          <Text size="sm">
            Disable {email}? They are signed out everywhere at once and their API tokens stop
            working until you enable the account again.
          </Text>
        ),
      };
    case 'own-role':
      return {
        title: 'Change your own role',
        confirmLabel: `Make me ${roleLabel(pending.role).toLowerCase()}`,
        color: 'orange',
        children: (
          <Text size="sm">
            You are about to make yourself{' '}
            <Text span fw={600}>
              {roleLabel(pending.role).toLowerCase()}
            </Text>
            . You lose access to Users and the Audit log at once, and only another admin can give it
            back.
          </Text>
        ),
      };
  }
}

function UserRow({
  user,
  isSelf,
  busy,
  onRole,
  onEnable,
  onDisable,
  onDelete,
  onResetPassword,
}: {
  user: UserResponse;
  isSelf: boolean;
  busy: boolean;
  onRole: (role: Role) => void;
  onEnable: () => void;
  onDisable: () => void;
  onDelete: () => void;
  onResetPassword: () => void;
}) {
  return (
    <Table.Tr data-testid="user-row" data-email={user.email} data-disabled={user.disabled}>
      <Table.Td opacity={user.disabled ? 0.6 : 1}>
        <Group gap={6} wrap="nowrap">
          <Text size="sm" fw={500} style={{ overflowWrap: 'anywhere' }}>
            {user.displayName}
          </Text>
          {isSelf && (
            <Badge size="xs" variant="light">
              You
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
          {user.email}
        </Text>
      </Table.Td>
      <Table.Td>
        <Select
          size="xs"
          aria-label={`Role of ${user.email}`}
          data={ROLE_OPTIONS}
          value={user.role}
          allowDeselect={false}
          disabled={busy}
          onChange={(value) => value && onRole(value)}
        />
      </Table.Td>
      <Table.Td>
        {user.disabled ? (
          <Badge color="gray" variant="filled">
            Disabled
          </Badge>
        ) : (
          <Badge color="green" variant="light">
            Active
          </Badge>
        )}
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {user.lastLoginAt ? <RelativeTime iso={user.lastLoginAt} /> : 'Never'}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm" title={formatDateTime(user.createdAt)}>
          {new Date(user.createdAt).toLocaleDateString()}
        </Text>
      </Table.Td>
      <Table.Td>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={`Actions for ${user.email}`}
              loading={busy}
            >
              ⋯
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={onResetPassword}>Reset password</Menu.Item>
            {user.disabled ? (
              <Menu.Item onClick={onEnable}>Enable</Menu.Item>
            ) : (
              <Menu.Item color="orange" disabled={isSelf} onClick={onDisable}>
                Disable
              </Menu.Item>
            )}
            <Menu.Item color="red" disabled={isSelf} onClick={onDelete}>
              Delete
            </Menu.Item>
            {isSelf && (
              <Menu.Label maw={220} style={{ whiteSpace: 'normal' }}>
                You cannot disable or delete your own account, so you cannot lock yourself out.
                Another admin can.
              </Menu.Label>
            )}
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
}
