import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class LogCollectionInvalidException extends AppException {
  constructor(message: string) {
    super('LOG_COLLECTION_INVALID', message, HttpStatus.BAD_REQUEST);
  }
}

export class LogBundleNotFoundException extends AppException {
  constructor(what: string) {
    super('LOG_BUNDLE_NOT_FOUND', `No log bundle ${what}`, HttpStatus.NOT_FOUND);
  }
}

export class LogBundleNotReadyException extends AppException {
  constructor(what: string) {
    super('LOG_BUNDLE_NOT_READY', `${what} is not fully uploaded yet`, HttpStatus.CONFLICT);
  }
}

/** The device's upload names no collection run of its own. */
export class LogUploadUnknownRunException extends AppException {
  constructor(runId: string) {
    super(
      'LOG_UPLOAD_UNKNOWN_RUN',
      `Run ${runId} is not a log collection of this device`,
      HttpStatus.NOT_FOUND,
    );
  }
}

/** The manifest or a chunk breaks the protocol; sending it again changes nothing. */
export class LogUploadInvalidException extends AppException {
  constructor(message: string, status = HttpStatus.UNPROCESSABLE_ENTITY) {
    super('LOG_UPLOAD_INVALID', message, status);
  }
}

export class LogStorageFullException extends AppException {
  constructor(message: string, status = HttpStatus.PAYLOAD_TOO_LARGE) {
    super('LOG_STORAGE_LIMIT', message, status);
  }
}

export class FileTransferNotFoundException extends AppException {
  constructor(message: string, status = HttpStatus.NOT_FOUND) {
    super('FILE_TRANSFER_NOT_FOUND', message, status);
  }
}

/** The database lists a file whose bytes the store no longer has (a bucket emptied or swapped). */
export class LogFileMissingException extends AppException {
  override readonly operatorAttention = true;
  constructor(message: string) {
    super('LOG_FILE_MISSING', message, HttpStatus.INTERNAL_SERVER_ERROR);
  }
}
