import { DynamicModule, Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AgentGatewayModule } from './agent-gateway/agent-gateway.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { ConsoleGatewayModule } from './console-gateway/console-gateway.module';
import { DatabaseModule } from './database/database.module';
import { DevicesModule } from './devices/devices.module';
import { EnrollmentModule } from './enrollment/enrollment.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { ScriptsModule } from './scripts/scripts.module';
import { SecretsModule } from './secrets/secrets.module';
import { ServerKeysModule } from './server-keys/server-keys.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => ({
            forRoutes: [{ path: '{*all}', method: RequestMethod.ALL }],
            pinoHttp: {
              level: c.logLevel,
              // Credentials never reach the log.
              redact: {
                paths: [
                  'req.headers.authorization',
                  'req.headers.cookie',
                  'res.headers["set-cookie"]',
                ],
                censor: '[redacted]',
              },
              autoLogging: { ignore: (req) => req.url === '/health' },
            },
          }),
        }),
        DatabaseModule,
        SecretsModule,
        AuditModule,
        UsersModule,
        AuthModule,
        HealthModule,
        ServerKeysModule,
        DevicesModule,
        EnrollmentModule,
        ScriptsModule,
        AgentGatewayModule,
        JobsModule,
        ConsoleGatewayModule,
      ],
    };
  }
}
