import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AgentDownloadsModule } from './agent-downloads/agent-downloads.module';
import { AgentGatewayModule } from './agent-gateway/agent-gateway.module';
import { AgentUpdatesModule } from './agent-updates/agent-updates.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { APP_CONFIG, AppConfig } from './config/app-config';
import { AppConfigModule } from './config/app-config.module';
import { loggerParams } from './config/logger-options';
import { ConsoleGatewayModule } from './console-gateway/console-gateway.module';
import { DatabaseModule } from './database/database.module';
import { DevicesModule } from './devices/devices.module';
import { EnrollmentModule } from './enrollment/enrollment.module';
import { HealthModule } from './health/health.module';
import { JobsModule } from './jobs/jobs.module';
import { LogCollectionModule } from './log-collection/log-collection.module';
import { DeviceFilesModule } from './device-files/device-files.module';
import { SchedulesModule } from './schedules/schedules.module';
import { PoliciesModule } from './policies/policies.module';
import { MaintenanceWindowsModule } from './maintenance-windows/maintenance-windows.module';
import { ScriptsModule } from './scripts/scripts.module';
import { SecretsModule } from './secrets/secrets.module';
import { ServerKeysModule } from './server-keys/server-keys.module';
import { SoftwareInventoryModule } from './software-inventory/software-inventory.module';
import { PatchComplianceModule } from './patch-compliance/patch-compliance.module';
import { UsersModule } from './users/users.module';
import { AlertsModule } from './alerts/alerts.module';
import { WebsiteChecksModule } from './website-checks/website-checks.module';
import { AgentChecksModule } from './agent-checks/agent-checks.module';
import { MetricsHistoryModule } from './metrics-history/metrics-history.module';
import { NotificationsModule } from './notifications/notifications.module';
import { SoftwareModule } from './software/software.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        LoggerModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (c: AppConfig) => loggerParams(c),
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
        AgentDownloadsModule,
        ScriptsModule,
        AgentGatewayModule,
        JobsModule,
        AgentUpdatesModule,
        LogCollectionModule,
        DeviceFilesModule,
        SchedulesModule,
        MaintenanceWindowsModule,
        PoliciesModule,
        ConsoleGatewayModule,
        AlertsModule,
        WebsiteChecksModule,
        AgentChecksModule,
        MetricsHistoryModule,
        NotificationsModule,
        SoftwareInventoryModule,
        PatchComplianceModule,
        SoftwareModule,
      ],
    };
  }
}
