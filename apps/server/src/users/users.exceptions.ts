import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class UserNotFoundException extends AppException {
  constructor(id: string) {
    super('USER_NOT_FOUND', `No user with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class UserEmailTakenException extends AppException {
  constructor(email: string) {
    super('USER_EMAIL_TAKEN', `A user with email ${email} already exists`, HttpStatus.CONFLICT);
  }
}

export class LastAdminException extends AppException {
  constructor() {
    super(
      'USER_LAST_ADMIN',
      'This is the last enabled administrator; make another user an admin first',
      HttpStatus.CONFLICT,
    );
  }
}

export class SetupAlreadyDoneException extends AppException {
  constructor() {
    super(
      'SETUP_ALREADY_DONE',
      'Fleetdesk already has users; sign in instead',
      HttpStatus.CONFLICT,
    );
  }
}
