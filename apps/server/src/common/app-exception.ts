import { HttpStatus } from '@nestjs/common';

/**
 * Base of every domain error. Each feature declares its own codes (e.g. `USER_NOT_FOUND`);
 * the global filter turns them into HTTP responses (and, later, socket error frames).
 */
export class AppException extends Error {
  /** Logged with its stack although the client is answered with a 4xx. */
  readonly operatorAttention: boolean = false;

  constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
