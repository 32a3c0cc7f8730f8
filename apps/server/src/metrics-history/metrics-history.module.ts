import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { MetricsHistoryController } from './metrics-history.controller';
import { MetricsHistoryService } from './metrics-history.service';

@Module({
  imports: [DevicesModule],
  controllers: [MetricsHistoryController],
  providers: [MetricsHistoryService],
  exports: [MetricsHistoryService],
})
export class MetricsHistoryModule {}
