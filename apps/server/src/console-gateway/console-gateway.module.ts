import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { DevicesModule } from '../devices/devices.module';
import { ConsoleGatewayService } from './console-gateway.service';

@Module({
  imports: [AuthModule, DevicesModule],
  providers: [ConsoleGatewayService],
})
export class ConsoleGatewayModule {}
