import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Role } from '@fleetdesk/api-types';
import type { Actor } from './actor';
import { ApiErrors } from './api-docs';

export const IS_PUBLIC = 'fleetdesk:public';
export const OTHER_CREDENTIAL = 'fleetdesk:other-credential';
export const MIN_ROLE = 'fleetdesk:min-role';

/** The console's httpOnly session cookie, read by the REST guard and the console socket. */
export const SESSION_COOKIE = 'fleetdesk_session';

/**
 * Opts a route out of authentication. Everything else needs a signed-in user. The empty
 * security requirement overrides the document's global one (openapi/openapi-document.ts).
 */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiSecurity({}));

/**
 * Lets a request that carries no user credential but this header (lowercase name) past the
 * global guard, for the route's own guard to check; with a user credential, the user is
 * authenticated as everywhere else. For the one thing a bare machine may fetch with its
 * enrollment token: the agent (agent-downloads).
 */
export const OtherCredential = (header: string) =>
  SetMetadata(OTHER_CREDENTIAL, header.toLowerCase());

/**
 * The least role allowed on a route. Unmarked routes default to `viewer` for reads and
 * `admin` for anything else, so a forgotten annotation fails closed.
 */
export const Roles = (minimum: Role) =>
  // Every signed-in user is at least a viewer, so only a higher minimum can answer 403.
  minimum === 'viewer'
    ? SetMetadata(MIN_ROLE, minimum)
    : applyDecorators(SetMetadata(MIN_ROLE, minimum), ApiErrors(403));

export interface Principal {
  userId: string;
  email: string;
  displayName: string;
  role: Role;
  via: 'session' | 'api_token';
  credentialId: string;
}

export type AuthedRequest = Request & { principal?: Principal };

export function actorFrom(req: AuthedRequest): Actor {
  const p = req.principal;
  return p
    ? { kind: 'user', userId: p.userId, email: p.email, role: p.role, ip: req.ip ?? null }
    : { kind: 'anonymous', userId: null, email: null, role: null, ip: req.ip ?? null };
}

/** The acting user (or anonymous caller), with source IP, for services that audit. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor =>
  actorFrom(ctx.switchToHttp().getRequest<AuthedRequest>()),
);

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => {
    const principal = ctx.switchToHttp().getRequest<AuthedRequest>().principal;
    if (!principal) throw new Error('CurrentPrincipal used on a public route');
    return principal;
  },
);
