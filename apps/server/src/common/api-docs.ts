import { applyDecorators, type Type } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ErrorBody as ErrorBodyShape, FieldError, Page } from '@fleetdesk/api-types';

// OpenAPI pieces every feature shares: the one error body, the paged list wrapper and the
// error responses. The document itself is put together in openapi/openapi-document.ts.

export class FieldErrorDto implements FieldError {
  @ApiProperty({ description: 'Dotted path, e.g. `parameters.0.name`' }) field!: string;
  @ApiProperty() reason!: string;
}

/** The body of every error response, whatever the status (common/all-exceptions.filter.ts). */
export class ErrorBody implements ErrorBodyShape {
  @ApiProperty() statusCode!: number;
  @ApiProperty({ description: 'Stable and machine-readable, e.g. `DEVICE_NOT_FOUND`' })
  code!: string;
  @ApiProperty({ description: 'A sentence fit to show a technician' }) message!: string;
  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'On `VALIDATION_FAILED`' })
  errors?: FieldErrorDto[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  details?: Record<string, unknown>;
}

export const ERROR_DESCRIPTIONS = {
  400: 'The request is malformed or a field is invalid (`errors` lists each one)',
  401: 'No valid session cookie or bearer token (`AUTH_MALFORMED` when it cannot even be read)',
  403: "The caller's role may not do this",
  404: 'The resource does not exist',
  409: 'The request conflicts with the current state',
  413: 'The body is larger than the server accepts',
  415: 'The body is not JSON',
  429: 'Too many requests; wait for the Retry-After seconds',
  502: 'A device answered, but could not do it (the reason is in `message`)',
  503: 'Not available on this server process right now; try again (Retry-After)',
  504: 'A device did not answer in time',
} as const;
export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Documents error answers of a route or controller, each with the shared ErrorBody. */
export const ApiErrors = (...statuses: ErrorStatus[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], type: ErrorBody }),
    ),
  );

const pages = new Map<Type<unknown>, Type<Page<unknown>>>();

/** A named schema for one page of `item`s (`JobResponsePage`), since Page<T> is generic. */
export function PageOf<T>(item: Type<T>): Type<Page<T>> {
  let page = pages.get(item);
  if (!page) {
    class PageDto implements Page<T> {
      @ApiProperty({ type: [item] }) items!: T[];
      @ApiProperty({ description: 'Every match, not only this page' }) total!: number;
      @ApiProperty() page!: number;
      @ApiProperty() pageSize!: number;
    }
    Object.defineProperty(PageDto, 'name', { value: `${item.name}Page` });
    page = PageDto;
    pages.set(item, page);
  }
  return page as Type<Page<T>>;
}

export interface ApiRouteOptions {
  /** The success status; 200 unless given (match the route's @HttpCode). */
  status?: 200 | 201 | 204;
  /** The success body; a one-element array for a JSON array. Omit only with 204. */
  type?: Type<unknown> | [Type<unknown>];
  description?: string;
  /** Errors this route answers beyond the shared ones (openapi/openapi-document.ts). */
  errors?: ErrorStatus[];
}

/** Summary, success response and route-specific errors of one route, in one decorator. */
export function ApiRoute(summary: string, options: ApiRouteOptions = {}) {
  const { status = 200, type, description, errors = [] } = options;
  return applyDecorators(
    ApiOperation({ summary }),
    ApiResponse({ status, description: description ?? (status === 204 ? 'Done' : 'OK'), type }),
    ApiErrors(...errors),
  );
}
