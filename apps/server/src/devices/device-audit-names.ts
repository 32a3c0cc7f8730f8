import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DeviceEntity } from './device.entity';
import { DeviceGroupEntity } from './group.entity';
import { TagEntity } from './tag.entity';

/** Names devices, groups and tags in the audit list: one query per type and page. */
@Injectable()
export class DeviceAuditNames implements OnModuleInit {
  constructor(
    private readonly audit: AuditService,
    @InjectRepository(DeviceEntity) private readonly devices: Repository<DeviceEntity>,
    @InjectRepository(DeviceGroupEntity) private readonly groups: Repository<DeviceGroupEntity>,
    @InjectRepository(TagEntity) private readonly tags: Repository<TagEntity>,
  ) {}

  onModuleInit(): void {
    this.audit.registerTargetNames('device', async (ids) => {
      const rows = await this.devices.find({
        select: { id: true, name: true, hostname: true },
        where: { id: In(ids) },
      });
      return new Map(rows.map((d) => [d.id, d.name ?? d.hostname]));
    });
    this.audit.registerTargetNames('group', async (ids) => {
      const rows = await this.groups.find({
        select: { id: true, name: true },
        where: { id: In(ids) },
      });
      return new Map(rows.map((g) => [g.id, g.name]));
    });
    this.audit.registerTargetNames('tag', async (ids) => {
      const rows = await this.tags.find({
        select: { id: true, name: true },
        where: { id: In(ids) },
      });
      return new Map(rows.map((t) => [t.id, t.name]));
    });
  }
}
