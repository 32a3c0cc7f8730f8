import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentGatewayModule } from '../agent-gateway/agent-gateway.module';
import { AuditModule } from '../audit/audit.module';
import { DevicesModule } from '../devices/devices.module';
import { ScriptsModule } from '../scripts/scripts.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { DispatcherService } from './dispatcher.service';
import { auditTargetNames } from '../audit/audit-target-names';
import { JobEvents } from './job-events';
import { JobEntity } from './job.entity';
import { JobsController, RunsController } from './jobs.controller';
import { JobsService } from './jobs.service';
import { RunStore } from './run-store';

@Module({
  imports: [
    TypeOrmModule.forFeature([JobEntity]),
    AuditModule,
    AgentGatewayModule,
    DevicesModule,
    ServerKeysModule,
    ScriptsModule,
  ],
  controllers: [JobsController, RunsController],
  providers: [
    JobsService,
    DispatcherService,
    RunStore,
    JobEvents,
    auditTargetNames('job', JobEntity, ['name'], (j) => j.name),
  ],
  exports: [JobsService, JobEvents],
})
export class JobsModule {}
