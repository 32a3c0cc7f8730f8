import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DevicesModule } from '../devices/devices.module';
import { JobsModule } from '../jobs/jobs.module';
import { MaintenanceWindowsModule } from '../maintenance-windows/maintenance-windows.module';
import { Clock } from './clock';
import { ScheduleTargetSources } from './schedule-target-sources';
import { ScheduleEntity, ScheduleOccurrenceEntity } from './schedule.entity';
import { SchedulerService } from './scheduler.service';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([ScheduleEntity, ScheduleOccurrenceEntity]),
    AuditModule,
    DevicesModule,
    JobsModule,
    MaintenanceWindowsModule,
  ],
  controllers: [SchedulesController],
  providers: [
    SchedulesService,
    SchedulerService,
    ScheduleTargetSources,
    Clock,
    auditTargetNames('schedule', ScheduleEntity, ['name'], (s) => s.name),
  ],
  exports: [SchedulesService, ScheduleTargetSources],
})
export class SchedulesModule {}
