import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DevicesModule } from '../devices/devices.module';
import { MaintenanceWindowsModule } from '../maintenance-windows/maintenance-windows.module';
import { AlertEvents } from './alert-events';
import { AlertMuteHook } from './alert-mute.hook';
import { AlertEntity } from './alert.entity';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';
import { OfflineAlertsService } from './offline-alerts.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([AlertEntity]),
    AuditModule,
    DevicesModule,
    MaintenanceWindowsModule,
  ],
  controllers: [AlertsController],
  providers: [
    AlertsService,
    AlertEvents,
    OfflineAlertsService,
    AlertMuteHook,
    auditTargetNames('alert', AlertEntity, ['title'], (a) => a.title),
  ],
  exports: [AlertsService, AlertEvents, OfflineAlertsService],
})
export class AlertsModule {}
