import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentChecksModule } from '../agent-checks/agent-checks.module';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DevicesModule } from '../devices/devices.module';
import { SchedulesModule } from '../schedules/schedules.module';
import { PoliciesController } from './policies.controller';
import { PoliciesService } from './policies.service';
import { PolicyCheckEntity, PolicyEntity, PolicyScheduleEntity } from './policy.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([PolicyEntity, PolicyScheduleEntity, PolicyCheckEntity]),
    AgentChecksModule,
    AuditModule,
    DevicesModule,
    SchedulesModule,
  ],
  controllers: [PoliciesController],
  providers: [PoliciesService, auditTargetNames('policy', PolicyEntity, ['name'], (p) => p.name)],
  exports: [PoliciesService],
})
export class PoliciesModule {}
