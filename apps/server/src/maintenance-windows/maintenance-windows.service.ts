import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  type ActiveWindow,
  type MaintenanceWindowResponse,
  type Page,
  windowDurationMinutes,
} from '@fleetdesk/api-types';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import { DevicesService } from '../devices/devices.service';
import { GroupsTagsService } from '../devices/groups-tags.service';
import type {
  CreateMaintenanceWindowDto,
  UpdateMaintenanceWindowDto,
} from './dto/maintenance-window.dto';
import { MaintenanceWindowEntity } from './maintenance-window.entity';
import {
  MaintenanceWindowInvalidException,
  MaintenanceWindowNotFoundException,
} from './maintenance-windows.exceptions';
import { nextOpening, type Opening, openingAt } from './window-times';

/** One opening of one window, for one device. */
export interface DeviceOpening extends Opening {
  windowId: string;
  name: string;
}

export function toWindowResponse(w: MaintenanceWindowEntity): MaintenanceWindowResponse {
  return {
    id: w.id,
    name: w.name,
    target: { tags: w.tags, groupIds: w.groupIds },
    days: w.days,
    start: w.start,
    end: w.end,
    durationMinutes: windowDurationMinutes(w.start, w.end),
    zoneMode: w.zoneMode,
    timeZone: w.timeZone,
    createdBy: { id: w.createdBy, email: w.createdByEmail },
    createdAt: w.createdAt.toISOString(),
    updatedAt: new Date(w.updatedAt).toISOString(),
  };
}

const describe = (w: MaintenanceWindowEntity) => ({
  name: w.name,
  target: { tags: w.tags, groupIds: w.groupIds },
  days: w.days,
  start: w.start,
  end: w.end,
  zoneMode: w.zoneMode,
  timeZone: w.timeZone,
});

/**
 * Maintenance windows: CRUD for technicians, and for other features the question "which
 * windows does this device have, open now or next" (the scheduler holds window-only runs
 * to them; monitoring mutes alerts inside them). Membership is resolved at the time asked,
 * like a job target: a device tagged later is covered from then on.
 */
@Injectable()
export class MaintenanceWindowsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly devices: DevicesService,
    private readonly groups: GroupsTagsService,
  ) {}

  async list(q: PageQueryDto): Promise<Page<MaintenanceWindowResponse>> {
    const [rows, total] = await this.dataSource
      .getRepository(MaintenanceWindowEntity)
      .findAndCount({
        order: { createdAt: 'DESC', id: 'ASC' },
        skip: (q.page - 1) * q.pageSize,
        take: q.pageSize,
      });
    return { items: rows.map(toWindowResponse), total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<MaintenanceWindowResponse> {
    return toWindowResponse(await this.getEntity(id));
  }

  async create(actor: Actor, dto: CreateMaintenanceWindowDto): Promise<MaintenanceWindowResponse> {
    const w = this.dataSource.getRepository(MaintenanceWindowEntity).create({
      name: dto.name,
      tags: dto.target.tags ?? [],
      groupIds: dto.target.groupIds ?? [],
      days: [...new Set(dto.days)].sort(),
      start: dto.start,
      end: dto.end,
      zoneMode: dto.zoneMode,
      timeZone: dto.timeZone ?? 'UTC',
      createdBy: actor.userId,
      createdByEmail: actor.email,
    });
    await this.validate(w);
    const saved = await this.dataSource.transaction(async (m) => {
      const row = await m.save(MaintenanceWindowEntity, w);
      await this.record(m, actor, 'maintenance_windows.create', row);
      return row;
    });
    return toWindowResponse(saved);
  }

  async update(
    actor: Actor,
    id: string,
    dto: UpdateMaintenanceWindowDto,
  ): Promise<MaintenanceWindowResponse> {
    const w = await this.getEntity(id);
    if (dto.name !== undefined) w.name = dto.name;
    if (dto.target !== undefined) {
      w.tags = dto.target.tags ?? [];
      w.groupIds = dto.target.groupIds ?? [];
    }
    if (dto.days !== undefined) w.days = [...new Set(dto.days)].sort();
    if (dto.start !== undefined) w.start = dto.start;
    if (dto.end !== undefined) w.end = dto.end;
    if (dto.zoneMode !== undefined) w.zoneMode = dto.zoneMode;
    if (dto.timeZone !== undefined) w.timeZone = dto.timeZone;
    w.updatedAt = new Date();
    await this.validate(w);
    const saved = await this.dataSource.transaction(async (m) => {
      if (!(await m.existsBy(MaintenanceWindowEntity, { id })))
        throw new MaintenanceWindowNotFoundException(id);
      const row = await m.save(MaintenanceWindowEntity, w);
      await this.record(m, actor, 'maintenance_windows.update', row);
      return row;
    });
    return toWindowResponse(saved);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const w = await m.findOneBy(MaintenanceWindowEntity, { id });
      if (!w) throw new MaintenanceWindowNotFoundException(id);
      await m.delete(MaintenanceWindowEntity, { id });
      await this.record(m, actor, 'maintenance_windows.delete', w);
    });
  }

  /** The windows open at `at` for each of these devices (devices in none are absent). */
  async activeWindows(
    deviceIds: readonly string[],
    at: Date,
    m: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, ActiveWindow[]>> {
    const out = new Map<string, ActiveWindow[]>();
    for (const [deviceId, covering] of await this.coverage(deviceIds, m)) {
      const open = covering.flatMap(({ window: w, zone }) => {
        const o = openingAt(w, zone, at);
        return o
          ? [
              {
                windowId: w.id,
                name: w.name,
                from: o.from.toISOString(),
                until: o.until.toISOString(),
              },
            ]
          : [];
      });
      if (open.length > 0) out.set(deviceId, open);
    }
    return out;
  }

  async isInWindow(deviceId: string, at: Date): Promise<boolean> {
    return (await this.activeWindows([deviceId], at)).has(deviceId);
  }

  /**
   * For each device, the opening of its windows that is open at `at`, else the first to open
   * by `horizon` (devices with none are absent). Among several, the earliest start; then
   * the latest end. Pass the caller's EntityManager to read inside its transaction.
   */
  async nextOpenings(
    deviceIds: readonly string[],
    at: Date,
    horizon: Date,
    m: EntityManager = this.dataSource.manager,
  ): Promise<Map<string, DeviceOpening>> {
    const out = new Map<string, DeviceOpening>();
    // A window seen in one zone gives every device there the same opening: compute it once.
    const cache = new Map<string, Opening | null>();
    for (const [deviceId, covering] of await this.coverage(deviceIds, m)) {
      let best: DeviceOpening | undefined;
      for (const { window: w, zone } of covering) {
        const key = `${w.id}\n${zone}`;
        if (!cache.has(key)) cache.set(key, nextOpening(w, zone, at, horizon));
        const o = cache.get(key);
        if (!o) continue;
        const earlier =
          !best || o.from < best.from || (+o.from === +best.from && o.until > best.until);
        if (earlier) best = { ...o, windowId: w.id, name: w.name };
      }
      if (best) out.set(deviceId, best);
    }
    return out;
  }

  /** Which windows cover each device, with the zone each is read in for that device. */
  private async coverage(
    deviceIds: readonly string[],
    m: EntityManager,
  ): Promise<Map<string, { window: MaintenanceWindowEntity; zone: string }[]>> {
    const out = new Map<string, { window: MaintenanceWindowEntity; zone: string }[]>();
    if (deviceIds.length === 0) return out;
    const windows = await m.find(MaintenanceWindowEntity, { order: { createdAt: 'ASC' } });
    if (windows.length === 0) return out;
    const wanted = new Set(deviceIds);
    const zones = windows.some((w) => w.zoneMode === 'device')
      ? await this.devices.timeZonesOf([...wanted], m)
      : new Map<string, string | null>();
    for (const w of windows) {
      const members = await this.devices.resolveTarget({ tags: w.tags, groupIds: w.groupIds }, m);
      for (const id of members) {
        if (!wanted.has(id)) continue;
        const zone = (w.zoneMode === 'device' && zones.get(id)) || w.timeZone;
        out.set(id, [...(out.get(id) ?? []), { window: w, zone }]);
      }
    }
    return out;
  }

  private async getEntity(id: string): Promise<MaintenanceWindowEntity> {
    const w = await this.dataSource.getRepository(MaintenanceWindowEntity).findOneBy({ id });
    if (!w) throw new MaintenanceWindowNotFoundException(id);
    return w;
  }

  private async validate(w: MaintenanceWindowEntity): Promise<void> {
    if (w.tags.length === 0 && w.groupIds.length === 0)
      throw new MaintenanceWindowInvalidException(
        'target must name at least one tag or group the window applies to',
      );
    for (const id of w.groupIds)
      if (!(await this.groups.groupExists(id)))
        throw new MaintenanceWindowInvalidException(`target.groupIds: no group with id ${id}`);
  }

  private record(m: EntityManager, actor: Actor, action: string, w: MaintenanceWindowEntity) {
    return this.audit.record(m, actor, {
      action,
      targetType: 'maintenance_window',
      targetId: w.id,
      details: describe(w),
    });
  }
}
