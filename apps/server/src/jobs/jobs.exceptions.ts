import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class JobNotFoundException extends AppException {
  constructor(id: string) {
    super('JOB_NOT_FOUND', `No job with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class RunNotFoundException extends AppException {
  constructor(id: string) {
    super('RUN_NOT_FOUND', `No run with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class JobSpecInvalidException extends AppException {
  constructor(message: string) {
    super('JOB_SPEC_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}

export class JobTargetEmptyException extends AppException {
  constructor() {
    super(
      'JOB_TARGET_EMPTY',
      'The target matches no enrolled, non-revoked device',
      HttpStatus.BAD_REQUEST,
    );
  }
}

export class JobNotRunningException extends AppException {
  constructor(id: string, status: string) {
    super('JOB_NOT_RUNNING', `Job ${id} is already ${status}`, HttpStatus.CONFLICT);
  }
}

export class NothingToRerunException extends AppException {
  constructor() {
    super(
      'JOB_NOTHING_TO_RERUN',
      'No run of this job matches; nothing to re-run',
      HttpStatus.CONFLICT,
    );
  }
}

export class ActionNeedsAdminException extends AppException {
  constructor(kind: string) {
    super(
      'JOB_ACTION_NEEDS_ADMIN',
      `Only an admin may start a job with the ${kind} action`,
      HttpStatus.FORBIDDEN,
    );
  }
}
