import { applyDecorators, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import { ApiErrors } from './api-docs';

const BUCKETS = ['login', 'enroll', 'download'] as const;
export type RateLimitBucket = (typeof BUCKETS)[number];

/** Rate-limits a route per client IP in one named bucket (limits come from the config). */
export function RateLimited(bucket: RateLimitBucket) {
  const skip = Object.fromEntries(BUCKETS.filter((b) => b !== bucket).map((b) => [b, true]));
  return applyDecorators(UseGuards(ThrottlerGuard), SkipThrottle(skip), ApiErrors(429));
}
