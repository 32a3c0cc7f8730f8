import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class PolicyNotFoundException extends AppException {
  constructor(id: string) {
    super('POLICY_NOT_FOUND', `No automation policy with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class PolicyInvalidException extends AppException {
  constructor(message: string) {
    super('POLICY_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}

export class PolicyNameTakenException extends AppException {
  constructor(name: string) {
    super(
      'POLICY_NAME_TAKEN',
      `An automation policy named "${name}" exists already`,
      HttpStatus.CONFLICT,
    );
  }
}
