import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ENROLLMENT_TOKEN_HEADER } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { actorFrom, type AuthedRequest } from '../common/auth.decorators';
import { EnrollmentService } from '../enrollment/enrollment.service';

export const TOKEN_HEADER = ENROLLMENT_TOKEN_HEADER.toLowerCase();

export type DownloadRequest = AuthedRequest & {
  downloader?: { actor: Actor; tokenName?: string };
};

/**
 * A signed-in user (already authenticated by the global guard), or else a valid enrollment
 * token in X-Enrollment-Token: what the one-line installer on a bare machine has. The token
 * is checked as enrollment would check it and is not used up.
 */
@Injectable()
export class DownloadCredentialGuard implements CanActivate {
  constructor(private readonly enrollment: EnrollmentService) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<DownloadRequest>();
    if (req.principal) {
      req.downloader = { actor: actorFrom(req) };
      return true;
    }
    const raw = req.headers[TOKEN_HEADER];
    // Two headers, or an empty one, are no token: refused like an unknown one.
    const token = await this.enrollment.checkToken(typeof raw === 'string' ? raw.trim() : '');
    req.downloader = {
      actor: {
        kind: 'enrollment_token',
        userId: token.id,
        email: null,
        role: null,
        ip: req.ip ?? null,
      },
      tokenName: token.name,
    };
    return true;
  }
}
