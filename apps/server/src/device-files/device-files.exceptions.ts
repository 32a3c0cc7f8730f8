import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

/** The device has no live agent connection: a folder is listed only while it is online. */
export class DeviceFilesOfflineException extends AppException {
  constructor(deviceId: string, status: string) {
    super(
      'DEVICE_OFFLINE',
      `Device ${deviceId} is ${status}: its folders can be listed only while its agent is connected`,
      HttpStatus.CONFLICT,
    );
  }
}

/**
 * Online, but its socket is held by another server process. Until the nodes share a bus,
 * the request must reach the process the agent is connected to; the agent may also have
 * just moved, so asking again can succeed.
 */
export class DeviceFilesElsewhereException extends AppException {
  constructor(deviceId: string) {
    super(
      'DEVICE_CONNECTED_ELSEWHERE',
      `Device ${deviceId} is connected to another server process; try again`,
      HttpStatus.SERVICE_UNAVAILABLE,
      { retryAfterSeconds: 1 },
    );
  }
}

export class DeviceFilesAgentTooOldException extends AppException {
  constructor(deviceId: string, version: string) {
    super(
      'AGENT_TOO_OLD',
      `Device ${deviceId} runs agent ${version}, which cannot list folders; update the agent`,
      HttpStatus.CONFLICT,
    );
  }
}

export class DeviceFilesBusyException extends AppException {
  constructor(deviceId: string, max: number) {
    super(
      'DEVICE_FILES_BUSY',
      `Device ${deviceId} already has ${max} listings under way; try again in a moment`,
      HttpStatus.TOO_MANY_REQUESTS,
      { retryAfterSeconds: 1 },
    );
  }
}

export class DeviceFilesTimeoutException extends AppException {
  constructor(deviceId: string, ms: number) {
    super(
      'DEVICE_FILES_TIMEOUT',
      `Device ${deviceId} did not answer the listing within ${ms / 1000} s`,
      HttpStatus.GATEWAY_TIMEOUT,
    );
  }
}

/** The device answered, and refused: the path lists, a missing path, not a folder, an error. */
export class DeviceFilesRefusedException extends AppException {
  constructor(reason: string, message: string, path: string) {
    super(
      `DEVICE_FILES_${reason.toUpperCase()}`,
      message,
      reason === 'denied' || reason === 'not_allowed'
        ? HttpStatus.FORBIDDEN
        : reason === 'not_found'
          ? HttpStatus.NOT_FOUND
          : reason === 'not_a_dir'
            ? HttpStatus.CONFLICT
            : HttpStatus.BAD_GATEWAY,
      { reason, path },
    );
  }
}
