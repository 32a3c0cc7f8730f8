/** Roles in increasing power: each role may do everything the one before it may. */
export type Role = 'viewer' | 'technician' | 'admin';

/** A console user. Never carries the password hash. */
export interface UserResponse {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Body of `POST /api/users`. The password is 12..256 characters. */
export interface CreateUserRequest {
  email: string;
  displayName: string;
  password: string;
  role: Role;
}

/** Body of `PATCH /api/users/:id`; every field optional. */
export interface UpdateUserRequest {
  displayName?: string;
  password?: string;
  role?: Role;
  disabled?: boolean;
}
