import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { AgentBinariesService } from './agent-binaries.service';
import { AgentDownloadsController } from './agent-downloads.controller';
import { AgentDownloadsService } from './agent-downloads.service';
import { DownloadCredentialGuard } from './download-credential.guard';
import { InstallScriptsController } from './install-scripts.controller';
import { InstallScriptsService } from './install-scripts.service';

@Module({
  imports: [AuditModule, EnrollmentModule, ServerKeysModule],
  controllers: [AgentDownloadsController, InstallScriptsController],
  providers: [
    AgentBinariesService,
    AgentDownloadsService,
    DownloadCredentialGuard,
    InstallScriptsService,
  ],
  exports: [AgentBinariesService],
})
export class AgentDownloadsModule {}
