import { Module } from '@nestjs/common';
import { AgentDownloadsModule } from '../agent-downloads/agent-downloads.module';
import { DevicesModule } from '../devices/devices.module';
import { JobsModule } from '../jobs/jobs.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { AgentReleasesService } from './agent-releases.service';
import { AgentUpdatesController } from './agent-updates.controller';
import { AgentUpdatesService } from './agent-updates.service';
import { DeviceHttpAuthService } from './device-http-auth.service';

@Module({
  imports: [AgentDownloadsModule, DevicesModule, JobsModule, ServerKeysModule],
  controllers: [AgentUpdatesController],
  providers: [AgentReleasesService, AgentUpdatesService, DeviceHttpAuthService],
  exports: [AgentReleasesService, DeviceHttpAuthService],
})
export class AgentUpdatesModule {}
