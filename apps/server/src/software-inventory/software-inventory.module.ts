import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { SoftwareInventoryController } from './software-inventory.controller';
import { SoftwareInventoryService } from './software-inventory.service';

@Module({
  imports: [AuditModule],
  controllers: [SoftwareInventoryController],
  providers: [SoftwareInventoryService],
  exports: [SoftwareInventoryService],
})
export class SoftwareInventoryModule {}
