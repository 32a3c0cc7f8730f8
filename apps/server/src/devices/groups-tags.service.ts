import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { isUniqueViolation } from '../common/sql';
import { DeviceEvents } from './device-events';
import {
  GroupNameTakenException,
  GroupNotFoundException,
  TagExistsException,
  TagNotFoundException,
} from './devices.exceptions';
import type { GroupResponse, TagResponse } from '@fleetdesk/api-types';
import type { CreateGroupDto, UpdateGroupDto } from './dto/group-tag.dto';
import { DeviceGroupEntity } from './group.entity';
import { TagEntity } from './tag.entity';

interface GroupRow {
  id: string;
  name: string;
  description: string;
  created_at: Date;
  device_count: number;
}

/** Groups (one per device, e.g. a site or customer) and tags (many per device) as first-class objects. */
@Injectable()
export class GroupsTagsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly events: DeviceEvents,
  ) {}

  async listGroups(): Promise<GroupResponse[]> {
    const rows = await this.dataSource.query<GroupRow[]>(
      `SELECT g.id, g.name, g.description, g.created_at,
         (SELECT count(*)::int FROM device d WHERE d.group_id = g.id) AS device_count
       FROM device_group g ORDER BY lower(g.name)`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      deviceCount: r.device_count,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  async groupExists(id: string): Promise<boolean> {
    return this.dataSource.getRepository(DeviceGroupEntity).existsBy({ id });
  }

  async createGroup(actor: Actor, dto: CreateGroupDto): Promise<GroupResponse> {
    try {
      const group = await this.dataSource.transaction(async (m) => {
        const saved = await m.save(
          DeviceGroupEntity,
          m.create(DeviceGroupEntity, { name: dto.name, description: dto.description ?? '' }),
        );
        await this.audit.record(m, actor, {
          action: 'groups.create',
          targetType: 'group',
          targetId: saved.id,
          details: { name: saved.name },
        });
        return saved;
      });
      return {
        id: group.id,
        name: group.name,
        description: group.description,
        deviceCount: 0,
        createdAt: group.createdAt.toISOString(),
      };
    } catch (error) {
      if (isUniqueViolation(error)) throw new GroupNameTakenException(dto.name);
      throw error;
    }
  }

  async updateGroup(actor: Actor, id: string, dto: UpdateGroupDto): Promise<GroupResponse> {
    try {
      await this.dataSource.transaction(async (m) => {
        const group = await m.findOne(DeviceGroupEntity, {
          where: { id },
          lock: { mode: 'pessimistic_write' },
        });
        if (!group) throw new GroupNotFoundException(id);
        // An empty PATCH is a valid no-op; TypeORM refuses an UPDATE with nothing to set.
        const changes = Object.fromEntries(
          Object.entries(dto).filter(([, value]) => value !== undefined),
        );
        if (Object.keys(changes).length > 0) await m.update(DeviceGroupEntity, { id }, changes);
        await this.audit.record(m, actor, {
          action: 'groups.update',
          targetType: 'group',
          targetId: id,
          details: { ...dto },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new GroupNameTakenException(dto.name ?? '');
      throw error;
    }
    const found = (await this.listGroups()).find((g) => g.id === id);
    if (!found) throw new GroupNotFoundException(id);
    return found;
  }

  /** Its devices are left without a group (what check and policy targets match on changes). */
  async deleteGroup(actor: Actor, id: string): Promise<void> {
    const deviceIds = await this.dataSource.transaction(async (m) => {
      const group = await m.findOne(DeviceGroupEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!group) throw new GroupNotFoundException(id);
      const members = await m.query<{ id: string }[]>(`SELECT id FROM device WHERE group_id = $1`, [
        id,
      ]);
      await m.delete(DeviceGroupEntity, { id });
      await this.audit.record(m, actor, {
        action: 'groups.delete',
        targetType: 'group',
        targetId: id,
        details: { name: group.name },
      });
      return members.map((r) => r.id);
    });
    this.emitFacets(deviceIds);
  }

  private emitFacets(deviceIds: string[]): void {
    for (const deviceId of deviceIds) this.events.emit('changed', { deviceId });
    if (deviceIds.length > 0) this.events.emit('facets', { deviceIds });
  }

  async listTags(): Promise<TagResponse[]> {
    const rows = await this.dataSource.query<
      { id: string; name: string; created_at: Date; device_count: number }[]
    >(
      `SELECT t.id, t.name, t.created_at, (SELECT count(*)::int FROM device_tag dt WHERE dt.tag_id = t.id) AS device_count
       FROM tag t ORDER BY t.name`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      deviceCount: r.device_count,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  async createTag(actor: Actor, name: string): Promise<TagResponse> {
    try {
      const tag = await this.dataSource.transaction(async (m) => {
        const saved = await m.save(TagEntity, m.create(TagEntity, { name }));
        await this.audit.record(m, actor, {
          action: 'tags.create',
          targetType: 'tag',
          targetId: saved.id,
          details: { name },
        });
        return saved;
      });
      return { id: tag.id, name: tag.name, deviceCount: 0, createdAt: tag.createdAt.toISOString() };
    } catch (error) {
      if (isUniqueViolation(error)) throw new TagExistsException(name);
      throw error;
    }
  }

  async deleteTag(actor: Actor, name: string): Promise<void> {
    const deviceIds = await this.dataSource.transaction(async (m) => {
      const tag = await m.findOne(TagEntity, {
        where: { name },
        lock: { mode: 'pessimistic_write' },
      });
      if (!tag) throw new TagNotFoundException(name);
      const carriers = await m.query<{ device_id: string }[]>(
        `SELECT device_id FROM device_tag WHERE tag_id = $1`,
        [tag.id],
      );
      await m.delete(TagEntity, { id: tag.id });
      await this.audit.record(m, actor, {
        action: 'tags.delete',
        targetType: 'tag',
        targetId: tag.id,
        details: { name },
      });
      return carriers.map((r) => r.device_id);
    });
    this.emitFacets(deviceIds);
  }
}
