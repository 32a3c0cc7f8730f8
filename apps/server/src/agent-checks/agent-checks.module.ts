import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentGatewayModule } from '../agent-gateway/agent-gateway.module';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DevicesModule } from '../devices/devices.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { AgentCheckDelivery } from './agent-check-delivery.service';
import { AgentCheckResults } from './agent-check-results.service';
import { AgentCheckEntity } from './agent-check.entity';
import { AgentChecksController, DeviceCheckStatesController } from './agent-checks.controller';
import { AgentChecksService } from './agent-checks.service';
import { AgentCheckTargetSources } from './check-target-sources';

@Module({
  imports: [
    TypeOrmModule.forFeature([AgentCheckEntity]),
    AuditModule,
    AlertsModule,
    AgentGatewayModule,
    DevicesModule,
    ServerKeysModule,
  ],
  controllers: [AgentChecksController, DeviceCheckStatesController],
  providers: [
    AgentChecksService,
    AgentCheckDelivery,
    AgentCheckResults,
    AgentCheckTargetSources,
    auditTargetNames('agent_check', AgentCheckEntity, ['name'], (c) => c.name),
  ],
  exports: [AgentChecksService, AgentCheckDelivery, AgentCheckResults, AgentCheckTargetSources],
})
export class AgentChecksModule {}
