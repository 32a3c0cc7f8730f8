import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { DeviceFilesResponse } from '@fleetdesk/api-types';
import type { Actor } from '../common/actor';
import { ApiRoute } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import { DeviceFilesService } from './device-files.service';
import { ListFilesQueryDto } from './dto/list-files.dto';

@ApiTags('devices')
@Controller('devices')
export class DeviceFilesController {
  constructor(private readonly files: DeviceFilesService) {}

  @ApiRoute(
    "List a folder of an online device within the log path lists (asked live over the agent's socket; audited)",
    { type: Object, errors: [403, 404, 409, 429, 502, 503, 504] },
  )
  @Get(':id/files')
  @Roles('technician')
  list(
    @CurrentActor() actor: Actor,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: ListFilesQueryDto,
  ): Promise<DeviceFilesResponse> {
    return this.files.list(actor, id, query.path, query.maxEntries);
  }
}
