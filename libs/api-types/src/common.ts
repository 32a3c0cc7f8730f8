/** One page of a list route; `total` counts every match, not only this page. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** Paging that every paged list route accepts: `page` from 1 (default 1), `pageSize` 1..200 (default 50). */
export interface PageQuery {
  page?: number;
  pageSize?: number;
}

export type SortOrder = 'asc' | 'desc';

/** One refused request field; `field` is a dotted path such as `parameters.0.name`. */
export interface FieldError {
  field: string;
  reason: string;
}

/**
 * The body of every error response, whatever the status. `code` is stable and machine-readable
 * (`VALIDATION_FAILED`, `DEVICE_NOT_FOUND` …); `message` is a sentence fit to show a technician.
 */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  /** Present on `VALIDATION_FAILED`: every refused field. */
  errors?: FieldError[];
  details?: Record<string, unknown>;
}

/** One health check's outcome; a failing one may say why in `message`. */
export interface HealthIndicator {
  status: 'up' | 'down';
  message?: string;
}

/**
 * `GET /health` (outside `/api`, public), keyed by check name (`database`). Only a passing
 * result comes back as 200; a failing one answers 503 with an ErrorBody.
 */
export interface HealthResponse {
  status: 'ok' | 'error' | 'shutting_down';
  info?: Partial<Record<string, HealthIndicator>>;
  error?: Partial<Record<string, HealthIndicator>>;
  details: Record<string, HealthIndicator>;
}
