import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class AuthRequiredException extends AppException {
  constructor() {
    super(
      'AUTH_REQUIRED',
      'Sign in first: this route needs a session or an API token',
      HttpStatus.UNAUTHORIZED,
    );
  }
}

export class AuthInvalidException extends AppException {
  constructor() {
    super(
      'AUTH_INVALID',
      'Your session or API token is invalid or has expired; sign in again',
      HttpStatus.UNAUTHORIZED,
    );
  }
}

/** The credential could not even be read: say why, so a client can fix its header. */
export class AuthMalformedException extends AppException {
  constructor(reason: string) {
    super(
      'AUTH_MALFORMED',
      `The credential could not be read (${reason}); send "Authorization: Bearer <token>" or sign in again`,
      HttpStatus.UNAUTHORIZED,
    );
  }
}

export class CrossOriginForbiddenException extends AppException {
  constructor() {
    super(
      'AUTH_CROSS_ORIGIN',
      'This request came from a page on another origin; a session cookie is accepted only from the console itself (or an origin in CONSOLE_ORIGINS). Scripts and tools should use an API token.',
      HttpStatus.FORBIDDEN,
    );
  }
}

export class LoginFailedException extends AppException {
  constructor() {
    super('AUTH_LOGIN_FAILED', 'Email or password is incorrect', HttpStatus.UNAUTHORIZED);
  }
}

export class AccountLockedException extends AppException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      'AUTH_ACCOUNT_LOCKED',
      `Too many failed sign-ins for this account. Try again in ${retryAfterSeconds} s, or use an API token.`,
      HttpStatus.TOO_MANY_REQUESTS,
      { retryAfterSeconds },
    );
  }
}

export class RoleForbiddenException extends AppException {
  constructor(needed: string, has: string) {
    super(
      'AUTH_ROLE_FORBIDDEN',
      `This action needs the ${needed} role; you are a ${has}`,
      HttpStatus.FORBIDDEN,
    );
  }
}

export class SetupTokenInvalidException extends AppException {
  constructor() {
    super(
      'SETUP_TOKEN_INVALID',
      'The setup token is wrong; copy it from the server log',
      HttpStatus.FORBIDDEN,
    );
  }
}

export class TokenNotFoundException extends AppException {
  constructor(id: string) {
    super('TOKEN_NOT_FOUND', `No API token with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class TokenAlreadyRevokedException extends AppException {
  constructor(id: string) {
    super('TOKEN_ALREADY_REVOKED', `API token ${id} is already revoked`, HttpStatus.CONFLICT);
  }
}

export class TokenNeedsSessionException extends AppException {
  constructor() {
    super(
      'TOKEN_NEEDS_SESSION',
      'API tokens can only be created from a signed-in session, not with another API token',
      HttpStatus.FORBIDDEN,
    );
  }
}
