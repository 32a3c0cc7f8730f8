import { applyDecorators, ExecutionContext, Injectable, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Response } from 'express';

const BUCKETS = ['login', 'enroll'] as const;
export type RateLimitBucket = (typeof BUCKETS)[number];

/**
 * The throttler names its header after the bucket (Retry-After-enroll); clients, the agent's
 * simulator among them, look for the standard Retry-After (RFC 9110), so it is sent too.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire)));
    return super.throwThrottlingException(context, detail);
  }
}

/** Rate-limits a route per client IP in one named bucket (limits come from the config). */
export function RateLimited(bucket: RateLimitBucket) {
  const skip = Object.fromEntries(BUCKETS.filter((b) => b !== bucket).map((b) => [b, true]));
  return applyDecorators(UseGuards(RateLimitGuard), SkipThrottle(skip));
}
