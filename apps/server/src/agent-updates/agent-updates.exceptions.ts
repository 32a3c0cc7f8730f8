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
