import {
  type ArgumentMetadata,
  BadRequestException,
  HttpException,
  Logger,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { ErrorBody } from '@fleetdesk/api-types';

function flatten(errors: ValidationError[], prefix = ''): { field: string; reason: string }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ field, reason }));
    return own.concat(flatten(error.children ?? [], field));
  });
}

/**
 * A custom validator or a class-transformer step that throws on a shape it did not expect
 * (null where an object was assumed) is still the request's fault: answer 400, and log it so
 * the validator gets fixed.
 */
class EdgeValidationPipe extends ValidationPipe {
  private readonly logger = new Logger('Validation');

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (error instanceof HttpException) throw error;
      this.logger.warn(
        `validation of ${metadata.type} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      const body: ErrorBody = {
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: `The request ${metadata.type} has a shape that could not be validated`,
        errors: [],
      };
      throw new BadRequestException(body);
    }
  }
}

/** The global pipe: unknown fields and wrong types are refused before a handler runs. */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
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
