import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { UsersModule } from '../users/users.module';
import { ApiTokenEntity } from './api-token.entity';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginThrottleEntity } from './login-throttle.entity';
import { LoginThrottleService } from './login-throttle.service';
import { SessionEntity } from './session.entity';
import { SetupController } from './setup.controller';
import { SetupService } from './setup.service';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';

@Module({
  imports: [
    TypeOrmModule.forFeature([SessionEntity, ApiTokenEntity, LoginThrottleEntity]),
    // Global, but applied only where @RateLimited(bucket) asks; each such route skips the
    // other buckets (common/rate-limit.ts).
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          {
            name: 'login',
            ttl: config.loginRateLimit.windowMs,
            limit: config.loginRateLimit.limit,
          },
          {
            name: 'enroll',
            ttl: config.enrollRateLimit.windowMs,
            limit: config.enrollRateLimit.limit,
          },
          {
            name: 'download',
            ttl: config.agentDownloadRateLimit.windowMs,
            limit: config.agentDownloadRateLimit.limit,
          },
        ],
      }),
    }),
    UsersModule,
    AuditModule,
  ],
  controllers: [AuthController, SetupController, TokensController],
  providers: [
    AuthService,
    LoginThrottleService,
    SetupService,
    TokensService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService],
})
export class AuthModule {}
