import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { auditTargetNames } from '../audit/audit-target-names';
import { DeviceEvents } from './device-events';
import { DeviceTelemetryService } from './device-telemetry.service';
import { DeviceEntity } from './device.entity';
import { DevicesBulkService } from './devices-bulk.service';
import { DevicesController } from './devices.controller';
import { DevicesService } from './devices.service';
import { GroupsController, TagsController } from './groups-tags.controller';
import { GroupsTagsService } from './groups-tags.service';
import { DeviceGroupEntity } from './group.entity';
import { DeviceInventoryEntity } from './inventory.entity';
import { OfferedAgentVersion } from './offered-agent-version';
import { TagEntity } from './tag.entity';

@Module({
  imports: [
    TypeOrmModule.forFeature([DeviceEntity, DeviceGroupEntity, TagEntity, DeviceInventoryEntity]),
    AuditModule,
  ],
  controllers: [DevicesController, GroupsController, TagsController],
  providers: [
    DevicesService,
    DevicesBulkService,
    DeviceTelemetryService,
    GroupsTagsService,
    DeviceEvents,
    auditTargetNames('device', DeviceEntity, ['name', 'hostname'], (d) => d.name ?? d.hostname),
    auditTargetNames('group', DeviceGroupEntity, ['name'], (g) => g.name),
    auditTargetNames('tag', TagEntity, ['name'], (t) => t.name),
    OfferedAgentVersion,
  ],
  exports: [
    DevicesService,
    DeviceTelemetryService,
    GroupsTagsService,
    DeviceEvents,
    OfferedAgentVersion,
  ],
})
export class DevicesModule {}
