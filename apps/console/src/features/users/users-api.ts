import {
  type CreateUserRequest,
  type Page,
  type Role,
  ROLES,
  type UpdateUserRequest,
  type UserResponse,
} from '@fleetdesk/api-types';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, del, get, patch, post } from '../../api/client';
import { ME_KEY } from '../../auth/auth';

export const USERS_KEY = ['users'] as const;

export { PASSWORD_MIN } from '@fleetdesk/api-types';

const ROLE_LABELS: Record<Role, string> = {
  viewer: 'Viewer',
  technician: 'Technician',
  admin: 'Admin',
};
export const ROLE_OPTIONS: { value: Role; label: string }[] = ROLES.map((value) => ({
  value,
  label: ROLE_LABELS[value],
}));

export const ROLE_HELP =
  'Viewers see everything read-only; technicians also enroll devices and run scripts; admins also manage users and read the audit log.';

export function useUsers(page: number, pageSize: number) {
  return useQuery({
    queryKey: [...USERS_KEY, { page, pageSize }],
    queryFn: () => get<Page<UserResponse>>('/users', { page, pageSize }),
    placeholderData: keepPreviousData,
  });
}

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateUserRequest) => post<UserResponse>('/users', body),
    onSuccess: () => client.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

export function useUpdateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ user, change }: { user: UserResponse; change: UpdateUserRequest }) =>
      patch<UserResponse>(`/users/${encodeURIComponent(user.id)}`, change),
    onSuccess: async () => {
      // The signed-in admin may have changed their own role: the menu and guards follow it.
      // First, so a demoted admin is not shown the 403 of a users refetch they no longer may do.
      await client.invalidateQueries({ queryKey: ME_KEY });
      await client.invalidateQueries({ queryKey: USERS_KEY });
    },
  });
}

export function useDeleteUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (user: UserResponse) => del(`/users/${encodeURIComponent(user.id)}`),
    onSuccess: () => client.invalidateQueries({ queryKey: USERS_KEY }),
  });
}

/**
 * The API's reason for one form field. The server names fields by property path
 * (`email`, `password` …); a taken email is a 409 without field errors, so it is put
 * on the email field here, where the admin will look.
 */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (field === 'email' && error.code === 'USER_EMAIL_TAKEN') return error.message;
  const reasons = error.fieldErrors.filter((f) => f.field === field).map((f) => f.reason);
  return reasons.length ? reasons.map((r) => humanizeReason(field, r)).join('; ') : undefined;
}

const FIELD_LABELS: Record<string, string> = {
  email: 'Email',
  displayName: 'Display name',
  password: 'Password',
  role: 'Role',
  name: 'Name',
  expiresInDays: 'Expiry',
};

/** The API's reasons start with the property name ("displayName must …"); say it in words. */
export function humanizeReason(field: string, reason: string): string {
  const label = FIELD_LABELS[field];
  if (!label || !reason.startsWith(field + ' ')) return reason;
  return label + reason.slice(field.length);
}

/** Empty required fields, caught before a round trip, with a sentence per field. */
export function missing<K extends string>(
  values: Record<K, string>,
  messages: Partial<Record<K, string>>,
): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  for (const key of Object.keys(messages) as K[]) {
    if (!values[key].trim()) out[key] = messages[key];
  }
  return out;
}

/** True when the error is fully explained by field errors shown on the inputs. */
export function isFieldLevel(error: unknown, fields: string[]): boolean {
  if (!(error instanceof ApiError)) return false;
  if (error.code === 'USER_EMAIL_TAKEN') return true;
  return error.fieldErrors.length > 0 && error.fieldErrors.every((f) => fields.includes(f.field));
}
