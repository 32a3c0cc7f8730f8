import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { DevicesModule } from '../devices/devices.module';
import { ServerKeysModule } from '../server-keys/server-keys.module';
import { AgentEnrollController, EnrollmentTokensController } from './enrollment.controller';
import { EnrollmentTokenEntity } from './enrollment-token.entity';
import { EnrollmentService } from './enrollment.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([EnrollmentTokenEntity]),
    AuditModule,
    DevicesModule,
    ServerKeysModule,
  ],
  controllers: [EnrollmentTokensController, AgentEnrollController],
  providers: [EnrollmentService],
  exports: [EnrollmentService],
})
export class EnrollmentModule {}
