import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { normalizeTag, tagProblem } from '@fleetdesk/api-types';

/** Tag names in a URL path get the same check as in a body. */
@Injectable()
export class TagParamPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const tag = normalizeTag(value);
    if (tagProblem(tag)) {
      throw new BadRequestException({
        statusCode: 400,
        code: 'VALIDATION_FAILED',
        message: `tag "${value.slice(0, 64)}" is not a valid tag name`,
        errors: [{ field: 'tag', reason: 'not a valid tag name' }],
      });
    }
    return tag;
  }
}
