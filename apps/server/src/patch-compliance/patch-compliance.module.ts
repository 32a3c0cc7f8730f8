import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { PatchComplianceController } from './patch-compliance.controller';
import { PatchComplianceService } from './patch-compliance.service';

@Module({
  imports: [DevicesModule],
  controllers: [PatchComplianceController],
  providers: [PatchComplianceService],
  exports: [PatchComplianceService],
})
export class PatchComplianceModule {}
