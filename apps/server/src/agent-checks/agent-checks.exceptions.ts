import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class AgentCheckNotFoundException extends AppException {
  constructor(id: string) {
    super('AGENT_CHECK_NOT_FOUND', `No agent check with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class AgentCheckInvalidException extends AppException {
  constructor(message: string) {
    super('AGENT_CHECK_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}
