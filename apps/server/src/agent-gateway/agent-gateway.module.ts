import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { DevicesModule } from '../devices/devices.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { AgentGatewayService } from './agent-gateway.service';

@Module({
  imports: [DevicesModule, ServerKeysModule, AuditModule],
  providers: [AgentGatewayService],
  exports: [AgentGatewayService],
})
export class AgentGatewayModule {}
