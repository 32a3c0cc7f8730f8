import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class MetricsRangeInvalidException extends AppException {
  constructor(message: string) {
    super('METRICS_RANGE_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}
