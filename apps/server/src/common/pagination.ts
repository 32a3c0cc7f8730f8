import { ApiPropertyOptional } from '@nestjs/swagger';
import { PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX, type PageQuery } from '@fleetdesk/api-types';
import { INT32_MAX, IsIntQuery } from './validators';

/** Every paged list extends this, so every list has the same bounds. */
export class PageQueryDto implements PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: INT32_MAX, default: 1 })
  @IsIntQuery(1)
  page: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: PAGE_SIZE_MAX, default: PAGE_SIZE_DEFAULT })
  @IsIntQuery(1, PAGE_SIZE_MAX)
  pageSize: number = PAGE_SIZE_DEFAULT;
}
