import { Logger, Module } from '@nestjs/common';
import { TypeOrmModule, TypeOrmModuleOptions } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { EmbeddedPostgres } from './embedded-postgres';
import { MIGRATIONS } from './migrations';
import { runMigrationsLocked } from './run-migrations';
import { watchSingleConnection } from './single-connection-watch';

/** Carried from the options factory to the DataSource factory, which sees only the options. */
type FleetdeskOptions = TypeOrmModuleOptions & { embeddedDataDir?: string };

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): FleetdeskOptions => ({
        type: 'postgres',
        url: config.databaseUrl,
        autoLoadEntities: true,
        synchronize: false,
        migrationsRun: false,
        migrations: MIGRATIONS,
        installExtensions: false,
        uuidExtension: 'pgcrypto',
        // The embedded engine is single-connection; a real server gets a real pool.
        extra: { max: config.databaseUrl ? 20 : 1 },
        retryAttempts: config.databaseUrl ? 5 : 0,
        // TypeORM's error log prints query parameters (password hashes, token hashes); errors
        // are thrown and reach the exception filter instead.
        logging: false,
        embeddedDataDir: config.databaseUrl ? undefined : config.dataDir,
      }),
      dataSourceFactory: async (options) => {
        const { embeddedDataDir, ...config } = options as PostgresConnectionOptions & {
          embeddedDataDir?: string;
        };
        const logger = new Logger('Database');
        let embedded: EmbeddedPostgres | undefined;
        let finalOptions: PostgresConnectionOptions = config;
        if (embeddedDataDir) {
          const dataDir = embeddedDataDir;
          embedded = new EmbeddedPostgres(dataDir);
          const conn = await embedded.start();
          finalOptions = {
            ...config,
            host: conn.host,
            port: conn.port,
            username: 'postgres',
            database: 'postgres',
          };
          logger.log(`Embedded PostgreSQL (PGlite) at ${dataDir}`);
        }
        const dataSource = new DataSource(finalOptions);
        try {
          await dataSource.initialize();
          const applied = await runMigrationsLocked(dataSource);
          if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
        } catch (error) {
          if (dataSource.isInitialized) await dataSource.destroy();
          await embedded?.stop();
          throw error;
        }
        if (embedded) {
          watchSingleConnection(
            (
              dataSource.driver as unknown as {
                master: Parameters<typeof watchSingleConnection>[0];
              }
            ).master,
            ({ waitedMs, waiter, holder }) =>
              logger.warn(
                `A query has waited ${Math.round(waitedMs / 1000)} s for the embedded engine's only connection` +
                  (holder
                    ? `, held for ${Math.round(holder.heldMs / 1000)} s by a query asked for at\n${holder.stack}`
                    : ' (no holder recorded)') +
                  `\nThe waiting query was asked for at\n${waiter}`,
              ),
          );
          // Nest destroys the DataSource on shutdown; the embedded engine must close after it.
          const destroy = dataSource.destroy.bind(dataSource);
          dataSource.destroy = async () => {
            await destroy();
            await embedded.stop();
          };
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
