import { DEVICE_HTTP_AUTH_SCHEME } from '@fleetdesk/protocol';
import { BadRequestException, HttpStatus } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { ErrorBody } from '@fleetdesk/api-types';
import { storableStringProblem } from '@fleetdesk/protocol';
import { AppException } from './app-exception';

/** Deeper than any request body the API defines (job params are the deepest, a few levels). */
export const MAX_BODY_DEPTH = 32;

/**
 * NUL and unpaired UTF-16 surrogates: PostgreSQL's text and json types cannot store either, so
 * a value carrying one would fail in the database (a 500, or a whole batch lost) instead of
 * being refused here with the field's name. The rule is the agent protocol's, so REST and
 * agent frames refuse exactly the same strings.
 */
export function unstorableReason(value: string): string | undefined {
  const problem = storableStringProblem(value);
  return problem ? `${problem}, which cannot be stored` : undefined;
}

class UnsupportedMediaTypeException extends AppException {
  constructor(got: string | undefined) {
    super(
      'UNSUPPORTED_MEDIA_TYPE',
      `Request bodies must be JSON (Content-Type: application/json)${got ? `; got ${got}` : ''}`,
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    );
  }
}

function refuse(field: string, reason: string): BadRequestException {
  const body: ErrorBody = {
    statusCode: 400,
    code: 'VALIDATION_FAILED',
    message: `${field} ${reason}`,
    errors: [{ field, reason }],
  };
  return new BadRequestException(body);
}

/** The routes whose body is a raw file (mounted under /api, so the path is without it). */
const RAW_UPLOADS: readonly { method: string; path: string }[] = [
  { method: 'POST', path: '/software/installers' },
  { method: 'POST', path: '/file-transfers/uploads' },
];
const isRawUpload = (req: Request): boolean =>
  RAW_UPLOADS.some((r) => r.method === req.method && r.path === req.path);

function hasBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

/**
 * Only JSON bodies reach the API. A browser can send a form or text/plain cross-site without a
 * CORS preflight; it cannot send application/json that way, so this closes the classic
 * form-post CSRF before any cookie is looked at.
 */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (!hasBody(req) || req.is('application/json')) return next();
  // Installer uploads are the file's bytes. application/octet-stream is not a type a page
  // can send cross-site without a CORS preflight, so the CSRF reasoning above still holds.
  if (isRawUpload(req) && req.is('application/octet-stream')) return next();
  // Bytes from a device (log upload chunks), signed with its key in the Authorization header:
  // a cross-site form cannot set that header, and no cookie is involved.
  if (
    req.is('application/octet-stream') &&
    req.headers.authorization?.startsWith(`${DEVICE_HTTP_AUTH_SCHEME} `)
  ) {
    return next();
  }
  next(new UnsupportedMediaTypeException(req.headers['content-type']));
}

/**
 * Walks a parsed value without recursion (a 100k-deep body must not overflow the stack here, as
 * it did inside class-validator) and returns the first problem: too deep, or a string (value or
 * key) PostgreSQL cannot store.
 */
export function findHostileValue(
  root: unknown,
  rootName: string,
  maxDepth = MAX_BODY_DEPTH,
): { field: string; reason: string } | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value: root, path: rootName, depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      const reason = unstorableReason(value);
      if (reason) return { field: path, reason };
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= maxDepth) {
      return { field: path, reason: `is nested more than ${maxDepth} levels deep` };
    }
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const keyReason = unstorableReason(key);
      const childPath = `${path}.${keyReason ? JSON.stringify(key) : key}`;
      if (keyReason) return { field: childPath, reason: `has a key that ${keyReason}` };
      stack.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * One check for every string the API receives, before routing and validation: the path, the
 * query string and the JSON body. Runs after the JSON parser, before the global ValidationPipe.
 */
export function refuseHostileInput(req: Request, _res: Response, next: NextFunction): void {
  let path: string;
  try {
    path = decodeURIComponent(req.path);
  } catch {
    return next(refuse('path', 'is not valid percent-encoded UTF-8'));
  }
  const problem =
    (unstorableReason(path) ? { field: 'path', reason: unstorableReason(path)! } : undefined) ??
    findHostileValue(req.query, 'query') ??
    findHostileValue(req.body, 'body');
  if (problem) return next(refuse(problem.field.replace(/^(query|body)\./, ''), problem.reason));
  next();
}
