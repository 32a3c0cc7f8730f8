import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class MaintenanceWindowNotFoundException extends AppException {
  constructor(id: string) {
    super(
      'MAINTENANCE_WINDOW_NOT_FOUND',
      `No maintenance window with id ${id}`,
      HttpStatus.NOT_FOUND,
    );
  }
}

export class MaintenanceWindowInvalidException extends AppException {
  constructor(message: string) {
    super('MAINTENANCE_WINDOW_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}
