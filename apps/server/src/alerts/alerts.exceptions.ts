import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class AlertNotFoundException extends AppException {
  constructor(id: string) {
    super('ALERT_NOT_FOUND', `No alert with id ${id}`, HttpStatus.NOT_FOUND);
  }
}
