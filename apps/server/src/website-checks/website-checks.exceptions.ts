import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class WebsiteCheckNotFoundException extends AppException {
  constructor(id: string) {
    super('WEBSITE_CHECK_NOT_FOUND', `No website check with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class WebsiteCheckInvalidException extends AppException {
  constructor(message: string) {
    super('WEBSITE_CHECK_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}
