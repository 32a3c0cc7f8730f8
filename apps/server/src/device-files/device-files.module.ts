import { Module } from '@nestjs/common';
import { AgentGatewayModule } from '../agent-gateway/agent-gateway.module';
import { AuditModule } from '../audit/audit.module';
import { DevicesModule } from '../devices/devices.module';
import { LogCollectionModule } from '../log-collection/log-collection.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { DeviceFilesController } from './device-files.controller';
import { DeviceFilesService } from './device-files.service';

/** The device page's file browser: live directory listings (downloads and uploads are file transfers). */
@Module({
  imports: [AgentGatewayModule, AuditModule, DevicesModule, LogCollectionModule, ServerKeysModule],
  controllers: [DeviceFilesController],
  providers: [DeviceFilesService],
})
export class DeviceFilesModule {}
