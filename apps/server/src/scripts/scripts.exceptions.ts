import { HttpStatus } from '@nestjs/common';
import { AppException } from '../common/app-exception';

export interface FieldProblem {
  field: string;
  reason: string;
}

export class ScriptNotFoundException extends AppException {
  constructor(id: string) {
    super('SCRIPT_NOT_FOUND', `No script with id ${id}`, HttpStatus.NOT_FOUND);
  }
}

export class ScriptVersionNotFoundException extends AppException {
  constructor(id: string, version: number) {
    super(
      'SCRIPT_VERSION_NOT_FOUND',
      `Script ${id} has no version ${version}`,
      HttpStatus.NOT_FOUND,
    );
  }
}

export class ScriptNameTakenException extends AppException {
  constructor(name: string) {
    super('SCRIPT_NAME_TAKEN', `A script named "${name}" already exists`, HttpStatus.CONFLICT);
  }
}

export class ScriptBuiltinException extends AppException {
  constructor(name: string) {
    super(
      'SCRIPT_BUILTIN',
      `"${name}" is a built-in script: it cannot be edited or deleted. Create your own script from its body instead.`,
      HttpStatus.CONFLICT,
    );
  }
}

export class ScriptArchivedException extends AppException {
  constructor(id: string) {
    super(
      'SCRIPT_ARCHIVED',
      `Script ${id} is archived: it can be read, but not edited or run`,
      HttpStatus.CONFLICT,
    );
  }
}

/** A run's parameter value is unknown, missing or of the wrong type. */
export class ScriptParamInvalidException extends AppException {
  constructor(param: string, reason: string) {
    super('SCRIPT_PARAM_INVALID', `Parameter ${param}: ${reason}`, HttpStatus.BAD_REQUEST, {
      param,
    });
  }
}

/**
 * The service's own check of a script's content (parameter definitions, body, timeout), for
 * callers that do not come through the HTTP validation pipe.
 */
export class ScriptInvalidException extends AppException {
  constructor(readonly errors: FieldProblem[]) {
    super(
      'SCRIPT_INVALID',
      errors.map((e) => `${e.field}: ${e.reason}`).join('; '),
      HttpStatus.BAD_REQUEST,
      { errors },
    );
  }
}
