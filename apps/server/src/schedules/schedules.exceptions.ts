import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class ScheduleNotFoundException extends AppException {
  constructor(id: string) {
    super('SCHEDULE_NOT_FOUND', `No schedule with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class ScheduleInvalidException extends AppException {
  constructor(message: string) {
    super('SCHEDULE_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}
