import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentChecksModule } from '../agent-checks/agent-checks.module';
import { AgentGatewayModule } from '../agent-gateway/agent-gateway.module';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DevicesModule } from '../devices/devices.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { WebsiteCheckDelivery } from './website-check-delivery.service';
import { WebsiteCheckDeviceResults } from './website-check-device-results.service';
import { WebsiteCheckRetention } from './website-check-retention.service';
import { WebsiteCheckRunner } from './website-check-runner.service';
import { WebsiteCheckEntity } from './website-check.entity';
import { WebsiteChecksController } from './website-checks.controller';
import { WebsiteChecksService } from './website-checks.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([WebsiteCheckEntity]),
    AuditModule,
    AlertsModule,
    AgentChecksModule,
    AgentGatewayModule,
    DevicesModule,
    ServerKeysModule,
  ],
  controllers: [WebsiteChecksController],
  providers: [
    WebsiteChecksService,
    WebsiteCheckRunner,
    WebsiteCheckRetention,
    WebsiteCheckDelivery,
    WebsiteCheckDeviceResults,
    auditTargetNames('website_check', WebsiteCheckEntity, ['name'], (c) => c.name),
  ],
  exports: [
    WebsiteChecksService,
    WebsiteCheckRunner,
    WebsiteCheckRetention,
    WebsiteCheckDelivery,
    WebsiteCheckDeviceResults,
  ],
})
export class WebsiteChecksModule {}
