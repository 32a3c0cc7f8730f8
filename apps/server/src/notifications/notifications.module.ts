import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AlertsModule } from '../alerts/alerts.module';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { ChannelEntity } from './channel.entity';
import { NotificationDispatcher } from './notification-dispatcher.service';
import { NotificationsController } from './notifications.controller';
import { NotificationsService } from './notifications.service';

@Module({
  imports: [TypeOrmModule.forFeature([ChannelEntity]), AuditModule, AlertsModule],
  controllers: [NotificationsController],
  providers: [
    NotificationsService,
    NotificationDispatcher,
    auditTargetNames('notification_channel', ChannelEntity, ['name'], (c) => c.name),
  ],
  exports: [NotificationsService, NotificationDispatcher],
})
export class NotificationsModule {}
