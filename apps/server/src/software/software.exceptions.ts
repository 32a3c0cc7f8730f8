import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class SoftwareTitleNotFoundException extends AppException {
  constructor(id: string) {
    super('SOFTWARE_TITLE_NOT_FOUND', `No software title with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class SoftwareInstallerNotFoundException extends AppException {
  constructor(id: string) {
    super('SOFTWARE_INSTALLER_NOT_FOUND', `No installer with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class SoftwareTitleExistsException extends AppException {
  constructor(name: string) {
    super(
      'SOFTWARE_TITLE_EXISTS',
      `A software title named "${name}" already exists`,
      HttpStatus.CONFLICT,
    );
  }
}

/** A title, package, version or installer request that does not make sense as given. */
export class SoftwareInvalidException extends AppException {
  constructor(message: string) {
    super('SOFTWARE_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}

export class InstallerTooLargeException extends AppException {
  constructor(max: number) {
    super(
      'SOFTWARE_UPLOAD_TOO_LARGE',
      `The installer is larger than the ${max}-byte limit (SOFTWARE_UPLOAD_MAX_BYTES); nothing was kept`,
      HttpStatus.PAYLOAD_TOO_LARGE,
    );
  }
}

export class InstallerInUseException extends AppException {
  constructor(runs: number) {
    super(
      'SOFTWARE_INSTALLER_IN_USE',
      `${runs} run(s) of a deployment that installs this installer are not finished yet; cancel them or wait, then delete it`,
      HttpStatus.CONFLICT,
    );
  }
}
