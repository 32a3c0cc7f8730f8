import { Controller, Get, Param, ParseUUIDPipe, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/api-docs';
import {
  DevicePatchStatusDto,
  PatchComplianceQueryDto,
  PatchCompliancePageDto,
} from './dto/patch-compliance.dto';
import { PatchComplianceService } from './patch-compliance.service';

@ApiTags('patch-compliance')
@Controller('patch-compliance')
export class PatchComplianceController {
  constructor(private readonly patches: PatchComplianceService) {}

  @ApiRoute('Devices by exposure: most pending security updates first, then other updates', {
    type: PatchCompliancePageDto,
  })
  @Get()
  fleet(@Query() q: PatchComplianceQueryDto): Promise<PatchCompliancePageDto> {
    return this.patches.fleet(q);
  }

  @ApiRoute("A device's pending updates, reboot-required and last update run", {
    type: DevicePatchStatusDto,
    errors: [404],
  })
  @Get('devices/:id')
  device(@Param('id', ParseUUIDPipe) id: string): Promise<DevicePatchStatusDto> {
    return this.patches.device(id);
  }
}
