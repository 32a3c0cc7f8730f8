import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import { AgentUpdatesModule } from '../agent-updates/agent-updates.module';
import { AuditModule } from '../audit/audit.module';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JobsModule } from '../jobs/jobs.module';
import { BlobStore } from './blob-store';
import {
  LogBundleEntity,
  LogBundleFileEntity,
  LogCollectionSettingsEntity,
} from './log-bundle.entity';
import { LogBundlesController, LogCollectionController } from './log-collection.controller';
import { LogCollectionService } from './log-collection.service';
import { LogRetentionService } from './log-retention.service';
import { LogSettingsService } from './log-settings.service';
import { LOG_BLOB_STORE, LogUploadService } from './log-upload.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([LogBundleEntity, LogBundleFileEntity, LogCollectionSettingsEntity]),
    AgentUpdatesModule,
    AuditModule,
    JobsModule,
  ],
  controllers: [LogCollectionController, LogBundlesController],
  providers: [
    {
      provide: LOG_BLOB_STORE,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new BlobStore(join(config.dataDir, 'log-store')),
    },
    LogSettingsService,
    LogUploadService,
    LogCollectionService,
    LogRetentionService,
  ],
  exports: [LogCollectionService],
})
export class LogCollectionModule {}
