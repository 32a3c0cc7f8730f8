import type { INestApplication } from '@nestjs/common';
import {
  DocumentBuilder,
  type OpenAPIObject,
  type OperationObject,
  type ReferenceObject,
  type ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { ENROLLMENT_TOKEN_HEADER } from '@fleetdesk/api-types';
import { ERROR_DESCRIPTIONS, ErrorBody, type ErrorStatus } from '../common/api-docs';
import { SESSION_COOKIE } from '../common/auth.decorators';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

/** `DevicesController.list` becomes `Devices_list`: stable, readable client method names. */
export const operationId = (controllerKey: string, methodKey: string): string =>
  `${controllerKey.replace(/Controller$/, '')}_${methodKey}`;

/**
 * The error answers every route shares, added here so a new route cannot forget them: 401 on
 * anything not public, 400 where there is input, 413/415 where there is a body, 404 where the
 * path names a resource. Route- and role-specific ones (403, 409, 429) come from decorators.
 */
function addSharedErrors(op: OperationObject, path: string): void {
  // `@Public()` marks a route with one empty requirement; `[]` is the canonical "no credential".
  const isPublic = op.security?.length === 1 && Object.keys(op.security[0]).length === 0;
  if (isPublic) op.security = [];
  const statuses: ErrorStatus[] = [];
  if (op.parameters?.length || op.requestBody) statuses.push(400);
  if (!isPublic) statuses.push(401);
  if (path.includes('{')) statuses.push(404);
  if (op.requestBody) statuses.push(413, 415);
  const ref: ReferenceObject = { $ref: `#/components/schemas/${ErrorBody.name}` };
  for (const status of statuses) {
    op.responses[status] ??= {
      description: ERROR_DESCRIPTIONS[status],
      content: { 'application/json': { schema: ref } },
    } satisfies ResponseObject;
  }
}

/**
 * Nest writes an enum with a name as `allOf: [{ $ref }]` even with nothing beside it; a bare
 * `$ref` says the same and satisfies the linter's no-illogical-composition-keywords.
 */
function unwrapLoneAllOf(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(unwrapLoneAllOf);
  if (!node || typeof node !== 'object') return node;
  const obj = node as Record<string, unknown>;
  if (Object.keys(obj).length === 1 && Array.isArray(obj.allOf) && obj.allOf.length === 1) {
    return unwrapLoneAllOf(obj.allOf[0]);
  }
  return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unwrapLoneAllOf(v)]));
}

/** The OpenAPI document served at /api/docs-json; `redocly lint` checks it (openapi.int-spec). */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Fleetdesk API')
    .setDescription(
      'Remote support and fleet management. Sign in with `POST /api/auth/login` (session ' +
        'cookie) or send a personal API token as a bearer token. When a request carries an ' +
        '`Authorization` header, that header alone decides and the cookie is not read.',
    )
    .setVersion('0.1.0')
    .setLicense('AGPL-3.0-only', 'https://www.gnu.org/licenses/agpl-3.0.html')
    .addServer('/', 'This server')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'A personal API token' },
      'bearer',
    )
    .addCookieAuth(SESSION_COOKIE, { type: 'apiKey', in: 'cookie' }, 'cookie')
    // Only the agent downloads take it, beside the two above (a bare machine installing).
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: ENROLLMENT_TOKEN_HEADER,
        description: 'An enrollment token (`fde_…`), for the agent downloads only',
      },
      'enrollmentToken',
    )
    // Either credential will do: two requirement objects, not one with both.
    .addSecurityRequirements('bearer')
    .addSecurityRequirements('cookie')
    .build();
  const doc = SwaggerModule.createDocument(app, config, {
    operationIdFactory: operationId,
    extraModels: [ErrorBody],
  });
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (op) addSharedErrors(op, path);
    }
  }
  if (doc.components?.schemas) {
    doc.components.schemas = unwrapLoneAllOf(
      doc.components.schemas,
    ) as typeof doc.components.schemas;
  }
  return doc;
}
