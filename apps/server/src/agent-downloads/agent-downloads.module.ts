import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EnrollmentModule } from '../enrollment/enrollment.module';
import { AgentBinariesService } from './agent-binaries.service';
import { AgentDownloadsController } from './agent-downloads.controller';
import { AgentDownloadsService } from './agent-downloads.service';
import { DownloadCredentialGuard } from './download-credential.guard';

@Module({
  imports: [AuditModule, EnrollmentModule],
  controllers: [AgentDownloadsController],
  providers: [AgentBinariesService, AgentDownloadsService, DownloadCredentialGuard],
  exports: [AgentBinariesService],
})
export class AgentDownloadsModule {}
