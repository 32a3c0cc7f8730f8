import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class AgentBinaryNotAvailableException extends AppException {
  constructor(platform: string) {
    super(
      'AGENT_BINARY_NOT_AVAILABLE',
      `This server has no verified agent executable for ${platform}; build it with \`npm run build:agent\` and check the server log`,
      HttpStatus.NOT_FOUND,
    );
  }
}

export class AgentBinaryChangedException extends AppException {
  constructor(platform: string) {
    super(
      'AGENT_BINARY_CHANGED',
      `The agent executable for ${platform} changed on disk since the server checked it; it is checked again before it is offered`,
      HttpStatus.CONFLICT,
    );
  }
}

export class InstallScriptUnavailableException extends AppException {
  constructor(kind: string) {
    super(
      'INSTALL_SCRIPT_UNAVAILABLE',
      `install.${kind} is not installed beside this server (apps/agent/install)`,
      HttpStatus.NOT_FOUND,
    );
  }
}

export class InvalidHostException extends AppException {
  constructor() {
    super(
      'INVALID_HOST',
      'The Host header is not a host name or address with an optional port; set PUBLIC_URL on the server',
      HttpStatus.BAD_REQUEST,
    );
  }
}
