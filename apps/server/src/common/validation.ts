import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import type { ErrorBody } from '@fleetdesk/api-types';

function flatten(errors: ValidationError[], prefix = ''): { field: string; reason: string }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return own.concat(flatten(error.children ?? [], field));
  });
}

/** The global pipe: unknown fields and wrong types are refused before a handler runs. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const list = flatten(errors);
      const body: ErrorBody = {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: list.map((e) => e.reason).join('; ') || 'Invalid request',
        errors: list,
      };
      return new BadRequestException(body);
    },
  });
}
