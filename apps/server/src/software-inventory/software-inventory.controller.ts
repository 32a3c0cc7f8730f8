import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { Actor } from '../common/actor';
import { ApiRoute } from '../common/api-docs';
import { CurrentActor, Roles } from '../common/auth.decorators';
import {
  SoftwareDevicesPageDto,
  SoftwareDevicesQueryDto,
  SoftwareNamesQueryDto,
  SoftwareNamesResponseDto,
  SoftwareVersionsQueryDto,
  SoftwareVersionsResponseDto,
} from './dto/software-inventory.dto';
import { SoftwareInventoryService } from './software-inventory.service';

@ApiTags('software-inventory')
@Controller('software-inventory')
export class SoftwareInventoryController {
  constructor(private readonly inventory: SoftwareInventoryService) {}

  @ApiRoute(
    'Devices that have, lack, or run an older version of a package than the fleet’s newest',
    {
      type: SoftwareDevicesPageDto,
    },
  )
  @Get('devices')
  devices(@Query() q: SoftwareDevicesQueryDto): Promise<SoftwareDevicesPageDto> {
    return this.inventory.devices(q);
  }

  // Bulk fleet data leaving the system: technicians and up, and audited.
  @ApiOperation({ summary: 'The same devices as CSV (every page), streamed; audited' })
  @ApiResponse({
    status: 200,
    description: 'CSV (RFC 4180), one device per line',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @Roles('technician')
  @Get('devices.csv')
  async exportCsv(
    @CurrentActor() actor: Actor,
    @Query() q: SoftwareDevicesQueryDto,
  ): Promise<StreamableFile> {
    const lines = await this.inventory.exportCsv(actor, q);
    return new StreamableFile(Readable.from(lines), {
      type: 'text/csv; charset=utf-8',
      disposition: `attachment; filename="software-${q.presence}.csv"`,
    });
  }

  @ApiRoute('Every version of a package seen in the fleet, with device counts', {
    type: SoftwareVersionsResponseDto,
  })
  @Get('versions')
  versions(@Query() q: SoftwareVersionsQueryDto): Promise<SoftwareVersionsResponseDto> {
    return this.inventory.versions(q);
  }

  @ApiRoute('Package names seen in the fleet starting with a prefix', {
    type: SoftwareNamesResponseDto,
  })
  @Get('names')
  async names(@Query() q: SoftwareNamesQueryDto): Promise<SoftwareNamesResponseDto> {
    return { names: await this.inventory.names(q.prefix) };
  }
}
