import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type AuthedRequest, IS_PUBLIC, MIN_ROLE, SESSION_COOKIE } from '../common/auth.decorators';
import type { Role } from '@fleetdesk/api-types';
import {
  AuthInvalidException,
  AuthRequiredException,
  RoleForbiddenException,
} from './auth.exceptions';
import { AuthService } from './auth.service';

const RANK: Record<Role, number> = { viewer: 0, technician: 1, admin: 2 };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Global guard: authenticates every non-public route, then checks the route's least role. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const targets = [ctx.getHandler(), ctx.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const secret = this.extractSecret(req);
    if (!secret) throw new AuthRequiredException();
    const principal = await this.auth.authenticate(secret);
    if (!principal) throw new AuthInvalidException();
    req.principal = principal;

    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(MIN_ROLE, targets) ??
      (SAFE_METHODS.has(req.method) ? 'viewer' : 'admin');
    if (RANK[principal.role] < RANK[needed])
      throw new RoleForbiddenException(needed, principal.role);
    return true;
  }

  private extractSecret(req: AuthedRequest): string | undefined {
    const header = req.headers.authorization;
    if (header) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      return match?.[1];
    }
    const cookies = req.cookies as Record<string, unknown> | undefined;
    const cookie = cookies?.[SESSION_COOKIE];
    return typeof cookie === 'string' && cookie.length > 0 ? cookie : undefined;
  }
}
