import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export class DeviceNotFoundException extends AppException {
  constructor(id: string) {
    super('DEVICE_NOT_FOUND', `No device with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class DeviceRevokedException extends AppException {
  constructor(id: string) {
    super('DEVICE_REVOKED', `Device ${id} is revoked`, HttpStatus.CONFLICT);
  }
}

export class GroupNotFoundException extends AppException {
  constructor(id: string) {
    super('GROUP_NOT_FOUND', `No device group with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class GroupNameTakenException extends AppException {
  constructor(name: string) {
    super('GROUP_NAME_TAKEN', `A device group named "${name}" already exists`, HttpStatus.CONFLICT);
  }
}

export class TagNotFoundException extends AppException {
  constructor(name: string) {
    super('TAG_NOT_FOUND', `No tag named "${name}"`, HttpStatus.NOT_FOUND);
  }
}

export class TagExistsException extends AppException {
  constructor(name: string) {
    super('TAG_EXISTS', `The tag "${name}" already exists`, HttpStatus.CONFLICT);
  }
}

export class TargetEmptyException extends AppException {
  constructor() {
    super(
      'TARGET_EMPTY',
      'The target is empty: give all: true, deviceIds, tags, groupIds or os',
      HttpStatus.BAD_REQUEST,
    );
  }
}
