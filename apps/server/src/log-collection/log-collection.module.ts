import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { join } from 'node:path';
import { AgentGatewayModule } from '../agent-gateway/agent-gateway.module';
import { AgentUpdatesModule } from '../agent-updates/agent-updates.module';
import { AuditModule } from '../audit/audit.module';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DevicesModule } from '../devices/devices.module';
import { JobsModule } from '../jobs/jobs.module';
import { ObjectStore } from '../object-store/object-store';
import { ObjectStoreModule } from '../object-store/object-store.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { BlobStore, LOG_BLOB_STORE } from './blob-store';
import { FileTransferController } from './file-transfer.controller';
import { FileTransferService } from './file-transfer.service';
import {
  LogBundleEntity,
  LogBundleFileEntity,
  LogCollectionSettingsEntity,
} from './log-bundle.entity';
import { LogBundlesController, LogCollectionController } from './log-collection.controller';
import { LogCollectionService } from './log-collection.service';
import { LogRetentionService } from './log-retention.service';
import { LogSearchController } from './log-search.controller';
import { LogSearchService } from './log-search.service';
import { LogFollowService } from './log-follow.service';
import { LogSettingsService } from './log-settings.service';
import { LogUploadService } from './log-upload.service';
import { LogUploadSocket } from './log-upload.socket';
import { LogVerifierService } from './log-verifier.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([LogBundleEntity, LogBundleFileEntity, LogCollectionSettingsEntity]),
    AgentGatewayModule,
    AgentUpdatesModule,
    AuditModule,
    DevicesModule,
    JobsModule,
    ObjectStoreModule,
    ServerKeysModule,
  ],
  controllers: [
    LogCollectionController,
    LogBundlesController,
    FileTransferController,
    LogSearchController,
  ],
  providers: [
    {
      provide: LOG_BLOB_STORE,
      inject: [APP_CONFIG, ObjectStore],
      // Partial uploads (and files from before the object store) under DATA_DIR/log-store;
      // completed files in the object store, on disk or in the bucket.
      useFactory: (config: AppConfig, objects: ObjectStore) =>
        new BlobStore(join(config.dataDir, 'log-store'), objects),
    },
    LogSettingsService,
    LogUploadService,
    LogUploadSocket,
    LogVerifierService,
    LogCollectionService,
    LogRetentionService,
    FileTransferService,
    LogSearchService,
    LogFollowService,
  ],
  // The path lists: the file browser (device-files) sends them with each listing.
  exports: [LogCollectionService, LogFollowService, LogSettingsService],
})
export class LogCollectionModule {}
