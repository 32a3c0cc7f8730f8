/** Derived at read time: revoked, else expired, else used up, else active. */
export type EnrollmentTokenState = 'active' | 'expired' | 'used_up' | 'revoked';

/** A token that lets new devices enroll, without its secret. */
export interface EnrollmentTokenResponse {
  id: string;
  name: string;
  /** The first characters of the secret, to recognise it by. */
  prefix: string;
  expiresAt: string;
  /** null: unlimited uses until it expires. */
  maxUses: number | null;
  uses: number;
  /** Enrollments admitted per minute (a burst of this many, then this many a minute). */
  ratePerMinute: number;
  /** Tags every device enrolled with this token gets. */
  tags: string[];
  /** The group every device enrolled with this token joins. */
  groupId: string | null;
  createdAt: string;
  revokedAt: string | null;
  state: EnrollmentTokenState;
}

/** The answer to creating an enrollment token: the only time its secret is ever shown. */
export interface CreatedEnrollmentTokenResponse extends EnrollmentTokenResponse {
  token: string;
  /**
   * Lowercase hex SHA-256 of the server's Ed25519 public key (DER SubjectPublicKeyInfo), for
   * the agent's `enroll --server-key-sha256`, so the device pins this server from first contact.
   */
  serverKeySha256: string;
}

/** Body of `POST /api/enrollment-tokens`. */
export interface CreateEnrollmentTokenRequest {
  name: string;
  /** 1..8760, default 24. */
  expiresInHours?: number;
  /** 1..100000; omit for unlimited uses until expiry. */
  maxUses?: number;
  /** 1..100000, default 1000: enrollments per minute; more get 429 with Retry-After. */
  ratePerMinute?: number;
  tags?: string[];
  groupId?: string;
}

/** `POST /api/agent/enroll`, called by the agent, not the console. */
export interface EnrollResponse {
  deviceId: string;
  /** The server's Ed25519 public key, which the agent pins. */
  serverPublicKey: string;
  heartbeatIntervalMs: number;
}
