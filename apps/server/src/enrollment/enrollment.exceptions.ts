import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export type TokenRefusal = 'INVALID' | 'EXPIRED' | 'USED_UP' | 'REVOKED';

const MESSAGES: Record<TokenRefusal, string> = {
  INVALID: 'This enrollment token is not valid; create a new one in the console',
  EXPIRED: 'This enrollment token has expired; create a new one in the console',
  USED_UP: 'This enrollment token has been used as many times as it allows; create a new one',
  REVOKED: 'This enrollment token was revoked; create a new one in the console',
};

export class EnrollmentTokenRefusedException extends AppException {
  constructor(readonly refusal: TokenRefusal) {
    super(`ENROLLMENT_TOKEN_${refusal}`, MESSAGES[refusal], HttpStatus.UNAUTHORIZED);
  }
}

export class EnrollmentTokenNotFoundException extends AppException {
  constructor(id: string) {
    super('ENROLLMENT_TOKEN_NOT_FOUND', `No enrollment token with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class InvalidDeviceKeyException extends AppException {
  constructor() {
    super(
      'INVALID_PUBLIC_KEY',
      'publicKey must be an Ed25519 public key in SPKI PEM form',
      HttpStatus.BAD_REQUEST,
    );
  }
}

export class DeviceKeyInUseException extends AppException {
  constructor() {
    super(
      'DEVICE_KEY_IN_USE',
      'Another device already enrolled with this key; generate a new key',
      HttpStatus.CONFLICT,
    );
  }
}

/** The token's own rate (ratePerMinute) is spent for now; it refills continuously. */
export class EnrollmentTokenRateLimitedException extends AppException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'ENROLLMENT_TOKEN_RATE_LIMITED',
      `This enrollment token admits no more devices this minute (its rate per minute); try again in ${retryAfterSeconds} s`,
      HttpStatus.TOO_MANY_REQUESTS,
      { retryAfterSeconds },
    );
  }
}

/** Too many failed enrollments from this address: every attempt from it waits out the window. */
export class EnrollmentAddressLockedException extends AppException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'ENROLLMENT_ADDRESS_LOCKED',
      `Too many failed enrollment attempts from this address; try again in ${retryAfterSeconds} s with a valid token`,
      HttpStatus.TOO_MANY_REQUESTS,
      { retryAfterSeconds },
    );
  }
}
