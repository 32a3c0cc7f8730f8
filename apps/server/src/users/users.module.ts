import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { auditTargetNames } from '../audit/audit-target-names';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), AuditModule],
  controllers: [UsersController],
  providers: [
    UsersService,
    // By email, which is unique.
    auditTargetNames('user', UserEntity, ['email'], (u) => u.email),
  ],
  exports: [UsersService],
})
export class UsersModule {}
