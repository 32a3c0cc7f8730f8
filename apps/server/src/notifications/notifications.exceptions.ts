import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class ChannelNotFoundException extends AppException {
  constructor(id: string) {
    super(
      'NOTIFICATION_CHANNEL_NOT_FOUND',
      `No notification channel with id ${id}`,
      HttpStatus.NOT_FOUND,
    );
  }
}

export class ChannelInvalidException extends AppException {
  constructor(message: string) {
    super('NOTIFICATION_CHANNEL_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}
