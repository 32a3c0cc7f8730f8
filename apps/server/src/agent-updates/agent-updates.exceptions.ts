import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class NoAgentReleaseException extends AppException {
  constructor(why: string) {
    super(
      'AGENT_UPDATE_NO_RELEASE',
      `There is no agent build to update to: ${why}. Build one with "npm run build:agent" (or set AGENT_BINARIES_DIR)`,
      HttpStatus.CONFLICT,
    );
  }
}

export class DeviceAuthFailedException extends AppException {
  constructor(why: string) {
    super('DEVICE_AUTH_FAILED', `Device authentication failed: ${why}`, HttpStatus.UNAUTHORIZED);
  }
}

export class NoAgentBuildException extends AppException {
  constructor(platform: string) {
    super(
      'AGENT_BUILD_NOT_FOUND',
      `This server offers no agent build for ${platform}`,
      HttpStatus.NOT_FOUND,
    );
  }
}
