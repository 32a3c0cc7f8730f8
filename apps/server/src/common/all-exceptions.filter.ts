import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import type { ErrorBody } from '@fleetdesk/api-types';
import { AppException } from './app-exception';

const CODE_BY_STATUS: Partial<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
};

/**
 * SQLSTATE class 22, "data exception": a value out of range for its column, a NUL or invalid
 * Unicode in text or json, an impossible date. Those values come from the request; every other
 * database error (constraint, syntax, connection) stays a 500 because it means a server bug.
 */
function isDataException(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/**
 * The standard Retry-After for every 429: a domain error says it in its details, and the
 * throttler only sets its own `Retry-After-<bucket>` header (which clients, the agent among
 * them, do not read).
 */
function retryAfterSeconds(exception: unknown, res: Response): number | undefined {
  if (exception instanceof AppException) {
    const seconds = exception.details?.retryAfterSeconds;
    return typeof seconds === 'number' ? seconds : undefined;
  }
  if (exception instanceof ThrottlerException) {
    const names = res.getHeaderNames().filter((h) => h.startsWith('retry-after-'));
    const seconds = names.map((h) => Number(res.getHeader(h))).filter(Number.isFinite);
    return seconds.length > 0 ? Math.max(...seconds) : undefined;
  }
  return undefined;
}

/** The one place errors become responses: every error body has the same shape. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (exception instanceof QueryFailedError && body.statusCode < 500) {
      // Answered as the client's mistake, but still logged with its stack: a value the edge
      // validation should have refused is a gap to close there, not to forget.
      this.logger.warn(`database refused a request value: ${exception.stack ?? exception.message}`);
    } else if (
      body.statusCode >= 500 ||
      (exception instanceof AppException && exception.operatorAttention)
    ) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    if (!res.headersSent) {
      const retryAfter = retryAfterSeconds(exception, res);
      if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
      res.status(body.statusCode).json(body);
    }
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof AppException) {
      return {
        statusCode: exception.status,
        code: exception.code,
        message: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
      };
    }
    if (exception instanceof ThrottlerException) {
      return {
        statusCode: HttpStatus.TOO_MANY_REQUESTS,
        code: 'TOO_MANY_REQUESTS',
        message: 'Too many attempts. Wait a minute and try again.',
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      if (typeof response === 'object' && response !== null && 'code' in response) {
        return { ...(response as ErrorBody), statusCode: status };
      }
      const message =
        typeof response === 'string'
          ? response
          : typeof (response as { message?: unknown }).message === 'string'
            ? (response as { message: string }).message
            : exception.message;
      return { statusCode: status, code: CODE_BY_STATUS[status] ?? 'ERROR', message };
    }
    // body-parser's own errors (too large, bad JSON, bad charset) carry their HTTP status.
    const parserError = exception as { type?: unknown; status?: unknown };
    if (
      typeof parserError.type === 'string' &&
      parserError.type.startsWith('entity.') &&
      typeof parserError.status === 'number'
    ) {
      const status = parserError.status;
      return {
        statusCode: status,
        code: CODE_BY_STATUS[status] ?? 'BAD_REQUEST',
        message:
          status === 413
            ? 'The request body is too large (limit 2 MB)'
            : 'The request body could not be read',
      };
    }
    if (isDataException(exception)) {
      return {
        statusCode: 400,
        code: 'BAD_REQUEST',
        message:
          'A value in the request is outside what can be stored (too large, or not valid text)',
      };
    }
    return { statusCode: 500, code: 'INTERNAL', message: 'Internal server error' };
  }
}
