import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  type AuthedRequest,
  IS_PUBLIC,
  MIN_ROLE,
  OTHER_CREDENTIAL,
} from '../common/auth.decorators';
import { originAllowed } from '../common/origin';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { type Role, roleAtLeast } from '@fleetdesk/api-types';
import {
  AuthInvalidException,
  AuthMalformedException,
  AuthRequiredException,
  CrossOriginForbiddenException,
  RoleForbiddenException,
} from './auth.exceptions';
import { AuthService } from './auth.service';
import { readCredential } from './credentials';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Global guard: authenticates every non-public route, then checks the route's least role. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const credential = readCredential(req.headers);
    if (credential.kind === 'none') {
      const other = this.reflector.getAllAndOverride<string | undefined>(OTHER_CREDENTIAL, targets);
      // The route's own guard checks that credential; this one only lets it reach it.
      if (other !== undefined && req.headers[other] !== undefined) return true;
      throw new AuthRequiredException();
    }
    if (credential.kind === 'malformed') throw new AuthMalformedException(credential.reason);
    // The browser attaches the cookie to any request to this host, whoever made the page; a
    // bearer token is only ever sent by code that holds it, so only the cookie needs this. A
    // request with an Authorization header is never authenticated by its cookie (credentials.ts).
    if (
      credential.kind === 'session' &&
      !SAFE_METHODS.has(req.method) &&
      !originAllowed(req.headers, this.config.consoleOrigins)
    ) {
      throw new CrossOriginForbiddenException();
    }
    const principal = await this.auth.authenticate(credential.secret);
    if (!principal) throw new AuthInvalidException();
    req.principal = principal;

    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets) ??
      (SAFE_METHODS.has(req.method) ? 'viewer' : 'admin');
    if (!roleAtLeast(principal.role, needed))
      throw new RoleForbiddenException(needed, principal.role);
    return true;
  }
}
