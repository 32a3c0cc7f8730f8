/**
 * WebSocket close codes used on the /agent socket. 1000-1015 are the RFC 6455 codes we rely
 * on; 4000-4999 are ours. The agent picks its reconnect policy from the code, so each one
 * says what the agent is expected to do next.
 */
export const CloseCode = {
  /** Orderly shutdown; reconnect with backoff. */
  NORMAL: 1000,
  /** Server restarting or agent stopping; reconnect with backoff. */
  GOING_AWAY: 1001,
  /** Peer broke the protocol (e.g. kept sending garbage); reconnect with backoff. */
  POLICY_VIOLATION: 1008,
  /** Frame over the size limit; re-sending the same frame will fail the same way. */
  MESSAGE_TOO_BIG: 1009,
  /** Unexpected server fault; reconnect with backoff. */
  INTERNAL_ERROR: 1011,
  /** Signature did not verify or the device is unknown; do not retry with the same identity. */
  AUTH_FAILED: 4001,
  /** Device revoked by a technician; stop reconnecting until re-enrolled. */
  REVOKED: 4002,
  /**
   * A newer connection for the same device took over. Reconnecting at once would make two
   * copies of one identity evict each other forever, so back off hard.
   */
  REPLACED: 4003,
  /** No common protocol version; the close reason names the versions the server speaks. */
  UNSUPPORTED_VERSION: 4004,
  /** Handshake not completed in time; reconnect with backoff. */
  HANDSHAKE_TIMEOUT: 4005,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Codes `parseFrame` can report: everything that can be wrong with a single inbound frame. */
export const FRAME_ERROR_CODES = [
  'FRAME_TOO_LARGE',
  'INVALID_JSON',
  'INVALID_ENVELOPE',
  'UNSUPPORTED_VERSION',
  'UNKNOWN_TYPE',
  'INVALID_BODY',
] as const;

export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];

/**
 * Every code an `error` message may carry: frame problems plus session-level ones.
 * The `error` validator accepts only these, so adding a code is a protocol change.
 */
export const ERROR_CODES = [
  ...FRAME_ERROR_CODES,
  /** Handshake signature or device check failed (followed by close 4001). */
  'AUTH_FAILED',
  /** A well-formed message that is not allowed in the current state, e.g. heartbeat before auth. */
  'UNEXPECTED_MESSAGE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  /** Log uploads over the socket (protocol 7), as the HTTP path's statuses: */
  /** 404: the run is not a log collection or file fetch of this device. Permanent. */
  'LOG_UPLOAD_UNKNOWN_RUN',
  /** 400/422: the manifest or chunk breaks the protocol; sending it again changes nothing. */
  'LOG_UPLOAD_INVALID',
  /** 413: the bundle is over the server's limits. Permanent. */
  'LOG_UPLOAD_TOO_LARGE',
  /** 507: the store is full for now; retry later. */
  'LOG_STORAGE_FULL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Answers to a log upload frame that sending it again cannot change (the uploader drops the
 * bundle, as it does on HTTP 400/403/404/410/413/422); any other code is retried with backoff.
 */
export const LOG_UPLOAD_PERMANENT_ERRORS: readonly ErrorCode[] = [
  'LOG_UPLOAD_UNKNOWN_RUN',
  'LOG_UPLOAD_INVALID',
  'LOG_UPLOAD_TOO_LARGE',
  'FRAME_TOO_LARGE',
  'INVALID_JSON',
  'INVALID_ENVELOPE',
  'INVALID_BODY',
];

/**
 * The HTTP status of a refused log upload request as the protocol's error code: what the
 * server answers a socket upload with, and how the uploader reads an HTTPS answer.
 */
export function logUploadErrorCode(status: number): ErrorCode {
  switch (status) {
    case 404:
      return 'LOG_UPLOAD_UNKNOWN_RUN';
    case 413:
      return 'LOG_UPLOAD_TOO_LARGE';
    case 507:
      return 'LOG_STORAGE_FULL';
    case 400:
    case 403:
    case 410:
    case 422:
      return 'LOG_UPLOAD_INVALID';
    default:
      return 'INTERNAL_ERROR';
  }
}

/** Thrown only for sender-side programming errors (see `encodeFrame`); parsing never throws. */
export class ProtocolError extends Error {
  constructor(
    readonly code: FrameErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
