import type { UserResponse } from './users';

/** Body of `POST /api/auth/login`. */
export interface LoginRequest {
  email: string;
  password: string;
}

/** Also sets the httpOnly session cookie; a browser needs only the cookie, tools use the token as a Bearer. */
export interface LoginResponse {
  accessToken: string;
  expiresAt: string;
  user: UserResponse;
}

/** `GET /api/setup`: true until the first admin has been created. */
export interface SetupStatusResponse {
  needsSetup: boolean;
}

/** Body of `POST /api/setup`: creates the first admin with the token printed in the server log. */
export interface SetupRequest {
  setupToken: string;
  email: string;
  displayName: string;
  password: string;
}

/** A personal API token, without its secret. */
export interface ApiTokenResponse {
  id: string;
  name: string;
  /** The first characters of the secret, to recognise it by. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** The answer to creating a token: the only time its secret is ever shown. */
export interface CreatedApiTokenResponse extends ApiTokenResponse {
  token: string;
}

/** Body of `POST /api/tokens`. `expiresInDays` 1..3650; omit for a token that never expires. */
export interface CreateApiTokenRequest {
  name: string;
  expiresInDays?: number;
}
