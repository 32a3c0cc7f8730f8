import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DevicesModule } from '../devices/devices.module';
import { MaintenanceWindowEntity } from './maintenance-window.entity';
import { MaintenanceWindowsController } from './maintenance-windows.controller';
import { MaintenanceWindowsService } from './maintenance-windows.service';

@Module({
  imports: [TypeOrmModule.forFeature([MaintenanceWindowEntity]), AuditModule, DevicesModule],
  controllers: [MaintenanceWindowsController],
  providers: [
    MaintenanceWindowsService,
    auditTargetNames('maintenance_window', MaintenanceWindowEntity, ['name'], (w) => w.name),
  ],
  exports: [MaintenanceWindowsService],
})
export class MaintenanceWindowsModule {}
