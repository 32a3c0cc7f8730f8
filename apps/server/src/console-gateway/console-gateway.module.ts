import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { AuthModule } from '../auth/auth.module';
import { DevicesModule } from '../devices/devices.module';
import { JobsModule } from '../jobs/jobs.module';
import { LogCollectionModule } from '../log-collection/log-collection.module';
import { ConsoleGatewayService } from './console-gateway.service';

@Module({
  imports: [AlertsModule, AuthModule, DevicesModule, JobsModule, LogCollectionModule],
  providers: [ConsoleGatewayService],
})
export class ConsoleGatewayModule {}
