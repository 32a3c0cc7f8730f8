import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AgentUpdatesModule } from '../agent-updates/agent-updates.module';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { JobsModule } from '../jobs/jobs.module';
import { ObjectStoreModule } from '../object-store/object-store.module';
import { PatchComplianceModule } from '../patch-compliance/patch-compliance.module';
import { SoftwareInstallerEntity } from './software-installer.entity';
import { SoftwareTitleEntity } from './software-title.entity';
import { SoftwareController } from './software.controller';
import { SoftwareService } from './software.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([SoftwareTitleEntity, SoftwareInstallerEntity]),
    AuditModule,
    JobsModule,
    AgentUpdatesModule,
    PatchComplianceModule,
    ObjectStoreModule,
  ],
  controllers: [SoftwareController],
  providers: [
    SoftwareService,
    auditTargetNames('software_title', SoftwareTitleEntity, ['name'], (t) => t.name),
    auditTargetNames(
      'software_installer',
      SoftwareInstallerEntity,
      ['fileName'],
      (i) => i.fileName,
    ),
  ],
  exports: [SoftwareService],
})
export class SoftwareModule {}
