import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class VersionFilterNotApplicableException extends AppException {
  constructor() {
    super(
      'SOFTWARE_VERSION_FILTER_NOT_APPLICABLE',
      'version filters devices that have the package; it cannot be combined with presence=missing',
      HttpStatus.BAD_REQUEST,
    );
  }
}
