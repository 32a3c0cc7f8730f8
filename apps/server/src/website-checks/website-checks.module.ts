import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { WebsiteCheckRetention } from './website-check-retention.service';
import { WebsiteCheckRunner } from './website-check-runner.service';
import { WebsiteCheckEntity } from './website-check.entity';
import { WebsiteChecksController } from './website-checks.controller';
import { WebsiteChecksService } from './website-checks.service';

@Module({
  imports: [TypeOrmModule.forFeature([WebsiteCheckEntity]), AuditModule, AlertsModule],
  controllers: [WebsiteChecksController],
  providers: [
    WebsiteChecksService,
    WebsiteCheckRunner,
    WebsiteCheckRetention,
    auditTargetNames('website_check', WebsiteCheckEntity, ['name'], (c) => c.name),
  ],
  exports: [WebsiteChecksService, WebsiteCheckRunner, WebsiteCheckRetention],
})
export class WebsiteChecksModule {}
