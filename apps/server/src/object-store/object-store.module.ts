import { Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DiskObjectStore } from './disk-object-store';
import { ObjectStore } from './object-store';
import { S3ObjectStore } from './s3-object-store';

/** The store the configuration asks for; a bucket that refuses its keys is an error here. */
export async function createObjectStore(config: AppConfig): Promise<ObjectStore> {
  if (!config.s3) return new DiskObjectStore(config.dataDir);
  const store = new S3ObjectStore(config.s3, join(config.dataDir, 'spool'));
  await store.check();
  new Logger('ObjectStore').log(
    `objects are kept in the S3 bucket ${config.s3.bucket} at ${config.s3.endpoint}`,
  );
  return store;
}

/**
 * The one content-addressed object store of the server: an S3-compatible bucket when S3_BUCKET
 * is set (every server process then sees the same objects, without a shared disk), else files
 * under DATA_DIR. A bucket that does not answer with the configured keys stops the server at
 * boot, not the first upload.
 */
@Module({
  providers: [
    {
      provide: ObjectStore,
      inject: [APP_CONFIG],
      useFactory: createObjectStore,
    },
  ],
  exports: [ObjectStore],
})
export class ObjectStoreModule {}
