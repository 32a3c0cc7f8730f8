import { ApiPropertyOptional } from '@nestjs/swagger';
import type { PageQuery } from '@fleetdesk/api-types';
import { INT32_MAX, IsIntQuery } from './validators';

/** Every paged list extends this, so every list has the same bounds. */
export class PageQueryDto implements PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: INT32_MAX, default: 1 })
  @IsIntQuery(1)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsIntQuery(1, 200)
  pageSize: number = 50;
}
