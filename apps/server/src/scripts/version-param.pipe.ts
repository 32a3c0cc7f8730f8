import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** A version number in a URL path: a positive integer that fits PostgreSQL's integer. */
@Injectable()
export class VersionParamPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const n = /^[1-9][0-9]{0,9}$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n > 2_147_483_647) {
      throw new BadRequestException({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: 'version must be a positive whole number',
        errors: [{ field: 'version', reason: 'must be a positive whole number' }],
      });
    }
    return n;
  }
}
