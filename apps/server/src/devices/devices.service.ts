import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { likePattern } from '../common/sql';
import type { DeviceDetail, DeviceSoftwareItem, JobTarget, Page } from '@fleetdesk/api-types';
import { DeviceEvents } from './device-events';
import { OfferedAgentVersion } from './offered-agent-version';
import { DeviceEntity } from './device.entity';
import {
  DeviceNotFoundException,
  GroupNotFoundException,
  TagNotFoundException,
} from './devices.exceptions';
import {
  DeviceQueryDto,
  DeviceResponse,
  SoftwareQueryDto,
  toDeviceResponse,
  UpdateDeviceDto,
} from './dto/device.dto';
import { DeviceGroupEntity } from './group.entity';
import { DeviceInventoryEntity } from './inventory.entity';

const SORT_SQL: Record<DeviceQueryDto['sort'], string> = {
  name: 'lower(COALESCE(d.name, d.hostname))',
  hostname: 'lower(d.hostname)',
  status: 'd.status',
  os: 'd.os_platform',
  lastSeenAt: 'd.last_seen_at',
  enrolledAt: 'd.enrolled_at',
};

/** A device gone silent, as the offline alert needs it. */
export interface DeviceFacets {
  name: string;
  groupId: string | null;
  tags: string[];
}

export interface SilentDevice {
  id: string;
  name: string;
  groupId: string | null;
  lastSeenAt: Date;
  tags: string[];
}

export interface NewDevice {
  hostname: string;
  publicKey: string;
  os: { platform: string; distro: string; release: string; arch: string };
  agentVersion: string;
  groupId: string | null;
  tags: string[];
  enrollmentTokenId: string;
}

@Injectable()
export class DevicesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly events: DeviceEvents,
    private readonly offered: OfferedAgentVersion,
  ) {}

  /**
   * Called by enrollment inside its own transaction, so the token uses and the devices commit
   * together. Many devices in a few statements (a burst of enrollments is written as one
   * batch); ids are made here, so each caller's row is known without relying on the order
   * RETURNING gives. A group deleted since the token was made is left out, as for one device.
   */
  async createEnrolledMany(
    m: EntityManager,
    inputs: readonly NewDevice[],
  ): Promise<{ id: string; hostname: string }[]> {
    if (inputs.length === 0) return [];
    const groupIds = [...new Set(inputs.map((i) => i.groupId).filter((g) => g !== null))];
    const liveGroups = new Set(
      groupIds.length === 0
        ? []
        : (
            await m.query<{ id: string }[]>(
              `SELECT id FROM device_group WHERE id = ANY($1::uuid[])`,
              [groupIds],
            )
          ).map((g) => g.id),
    );
    const rows = inputs.map((i) => ({
      id: randomUUID(),
      hostname: i.hostname,
      groupId: i.groupId !== null && liveGroups.has(i.groupId) ? i.groupId : null,
    }));
    await m.query(
      `INSERT INTO device (id, hostname, public_key, os_platform, os_distro, os_release, arch,
         agent_version, status, ip_addresses, group_id, enrollment_token_id)
       SELECT x.id, x.hostname, x.public_key, x.os_platform, x.os_distro, x.os_release, x.arch,
         x.agent_version, 'offline', '{}', x.group_id, x.token_id
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
         $7::text[], $8::text[], $9::uuid[], $10::uuid[])
         AS x(id, hostname, public_key, os_platform, os_distro, os_release, arch, agent_version,
           group_id, token_id)`,
      [
        rows.map((r) => r.id),
        inputs.map((i) => i.hostname),
        inputs.map((i) => i.publicKey),
        inputs.map((i) => i.os.platform),
        inputs.map((i) => i.os.distro),
        inputs.map((i) => i.os.release),
        inputs.map((i) => i.os.arch),
        inputs.map((i) => i.agentVersion),
        rows.map((r) => r.groupId),
        inputs.map((i) => i.enrollmentTokenId),
      ],
    );
    const links = inputs.flatMap((input, n) => input.tags.map((tag) => [rows[n].id, tag]));
    if (links.length > 0) {
      // Sorted, so two batches creating the same new tags lock them in the same order.
      const names = [...new Set(links.map(([, tag]) => tag))].sort();
      await m.query(
        `INSERT INTO tag (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`,
        [names],
      );
      await m.query(
        `INSERT INTO device_tag (device_id, tag_id)
         SELECT l.device_id, t.id FROM unnest($1::uuid[], $2::text[]) AS l(device_id, name)
         JOIN tag t ON t.name = l.name
         ON CONFLICT DO NOTHING`,
        [links.map(([id]) => id), links.map(([, tag]) => tag)],
      );
    }
    return rows.map(({ id, hostname }) => ({ id, hostname }));
  }

  /**
   * The devices a job target names: the union of everything in it, limited to enrolled,
   * non-revoked devices, in id order. Pass the caller's EntityManager to read inside its
   * transaction; `lock` also locks the rows (in id order, so two callers cannot deadlock)
   * until it ends, for a caller about to change or delete them.
   */
  async resolveTarget(
    t: JobTarget,
    m: EntityManager = this.dataSource.manager,
    opts: { lock?: boolean; includeRevoked?: boolean } = {},
  ): Promise<string[]> {
    const rows = await m.query<{ id: string }[]>(
      `SELECT d.id FROM device d WHERE (d.revoked_at IS NULL OR $6::boolean) AND (
         $1::boolean
         OR d.id = ANY($2::uuid[])
         OR d.group_id = ANY($3::uuid[])
         OR d.os_platform = ANY($4::text[])
         OR EXISTS (SELECT 1 FROM device_tag dt JOIN tag tg ON tg.id = dt.tag_id
                    WHERE dt.device_id = d.id AND tg.name = ANY($5::text[])))
       ORDER BY d.id${opts.lock ? ' FOR UPDATE OF d' : ''}`,
      [
        Boolean(t.all),
        t.deviceIds ?? [],
        t.groupIds ?? [],
        t.os ?? [],
        t.tags ?? [],
        Boolean(opts.includeRevoked),
      ],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The group, tags and name of each enrolled, non-revoked device among `ids` (what check
   * targets and alert routing look at), in one query for any number of devices.
   */
  async facetsOf(ids: string[]): Promise<Map<string, DeviceFacets>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.query<(DeviceFacets & { id: string })[]>(
      `SELECT d.id, COALESCE(d.name, d.hostname) AS name, d.group_id AS "groupId",
         COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM device_tag dt
                   JOIN tag t ON t.id = dt.tag_id WHERE dt.device_id = d.id), '{}') AS tags
       FROM device d WHERE d.id = ANY($1::uuid[]) AND d.revoked_at IS NULL`,
      [ids],
    );
    return new Map(rows.map(({ id, ...f }) => [id, f]));
  }

  /** Each device's reported IANA zone (null when it has not reported one), by device id. */
  async timeZonesOf(ids: string[], m: EntityManager = this.dataSource.manager) {
    const rows = await m.query<{ id: string; time_zone: string | null }[]>(
      `SELECT id, time_zone FROM device WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.time_zone]));
  }

  /**
   * Devices not revoked that have been offline (silent) for longer than `graceMs`, with what
   * alert routing needs (name, group, tags). `among` limits the answer to those ids, `except`
   * leaves those out; `anyStatus` also counts a device marked online whose last contact is
   * older than that (a heartbeat written late can mark a dead device online again).
   */
  async silentDevices(
    graceMs: number,
    limit: number,
    opts: { among?: string[]; except?: string[]; anyStatus?: boolean } = {},
  ): Promise<SilentDevice[]> {
    return this.dataSource.query<SilentDevice[]>(
      `SELECT d.id, COALESCE(d.name, d.hostname) AS name, d.group_id AS "groupId",
         COALESCE(d.last_seen_at, d.enrolled_at) AS "lastSeenAt",
         COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM device_tag dt
                   JOIN tag t ON t.id = dt.tag_id WHERE dt.device_id = d.id), '{}') AS tags
       FROM device d
       WHERE d.revoked_at IS NULL AND (d.status = 'offline' OR $5::boolean)
         AND COALESCE(d.last_seen_at, d.enrolled_at) < now() - $1::int * interval '1 millisecond'
         AND ($3::uuid[] IS NULL OR d.id = ANY($3::uuid[])) AND NOT (d.id = ANY($4::uuid[]))
       ORDER BY d.id LIMIT $2`,
      [graceMs, limit, opts.among ?? null, opts.except ?? [], Boolean(opts.anyStatus)],
    );
  }

  /** The distinct zones enrolled devices report: few, whatever the fleet's size. */
  async knownTimeZones(): Promise<string[]> {
    const rows = await this.dataSource.query<{ time_zone: string }[]>(
      `SELECT DISTINCT time_zone FROM device
       WHERE time_zone IS NOT NULL AND revoked_at IS NULL ORDER BY time_zone`,
    );
    return rows.map((r) => r.time_zone);
  }

  async list(q: DeviceQueryDto): Promise<Page<DeviceResponse>> {
    const qb = this.dataSource.getRepository(DeviceEntity).createQueryBuilder('d');
    if (q.status === 'revoked') qb.andWhere('d.revoked_at IS NOT NULL');
    else if (q.status)
      qb.andWhere('d.revoked_at IS NULL AND d.status = :status', { status: q.status });
    if (q.os) qb.andWhere('d.os_platform = :os', { os: q.os });
    if (q.groupId) qb.andWhere('d.group_id = :groupId', { groupId: q.groupId });
    if (q.tag) {
      qb.andWhere(
        'EXISTS (SELECT 1 FROM device_tag dt JOIN tag t ON t.id = dt.tag_id WHERE dt.device_id = d.id AND t.name = :tag)',
        { tag: q.tag },
      );
    }
    if (q.q) {
      qb.andWhere(
        `(d.hostname ILIKE :like OR d.name ILIKE :like OR d.last_ip ILIKE :like
          OR EXISTS (SELECT 1 FROM unnest(d.ip_addresses) AS ip WHERE ip ILIKE :like))`,
        { like: likePattern(q.q) },
      );
    }
    const direction = q.order === 'desc' ? 'DESC' : 'ASC';
    // The count and the page side by side, the page with its tags and group names in the same
    // statement: the console polls this list, and under load each sequential round trip waits
    // for a turn of the event loop (a fan-out's sends and result batches).
    const [total, page] = await Promise.all([
      qb.getCount(),
      qb
        .clone()
        .addSelect(
          `COALESCE((SELECT array_agg(t.name ORDER BY t.name) FROM device_tag dt
                     JOIN tag t ON t.id = dt.tag_id WHERE dt.device_id = d.id), '{}')::text[]`,
          'tags',
        )
        .leftJoin(DeviceGroupEntity, 'g', 'g.id = d.group_id')
        .addSelect('g.name', 'group_name')
        .orderBy(SORT_SQL[q.sort], direction, direction === 'ASC' ? 'NULLS LAST' : 'NULLS FIRST')
        .addOrderBy('d.id', 'ASC')
        .offset((q.page - 1) * q.pageSize)
        .limit(q.pageSize)
        .getRawAndEntities<{ d_id: string; tags: string[]; group_name: string | null }>(),
    ]);
    const extra = new Map(page.raw.map((r) => [r.d_id, r]));
    const items = page.entities.map((d) => {
      const r = extra.get(d.id);
      const group =
        d.groupId !== null && r?.group_name != null ? { id: d.groupId, name: r.group_name } : null;
      return toDeviceResponse(d, r?.tags ?? [], group, this.offered.current);
    });
    return { items, total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<DeviceDetail> {
    const device = await this.dataSource.getRepository(DeviceEntity).findOneBy({ id });
    if (!device) throw new DeviceNotFoundException(id);
    const [response] = await this.toResponses([device]);
    const inventory = await this.dataSource
      .getRepository(DeviceInventoryEntity)
      .findOneBy({ deviceId: id });
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM device_software WHERE device_id = $1`,
      [id],
    );
    return {
      ...response,
      inventory: inventory
        ? { ...inventory.data, collectedAt: inventory.collectedAt.toISOString(), softwareCount: n }
        : null,
    };
  }

  async software(id: string, q: SoftwareQueryDto): Promise<Page<DeviceSoftwareItem>> {
    await this.getEntity(id);
    const params: unknown[] = [id];
    let where = 'device_id = $1';
    if (q.q) {
      params.push(likePattern(q.q));
      where += ` AND name ILIKE $2`;
    }
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM device_software WHERE ${where}`,
      params,
    );
    const items = await this.dataSource.query<DeviceSoftwareItem[]>(
      `SELECT name, version, source FROM device_software WHERE ${where}
       ORDER BY lower(name), version LIMIT ${q.pageSize} OFFSET ${(q.page - 1) * q.pageSize}`,
      params,
    );
    return { items, total: n, page: q.page, pageSize: q.pageSize };
  }

  async update(actor: Actor, id: string, dto: UpdateDeviceDto): Promise<DeviceResponse> {
    const regrouped = await this.dataSource.transaction(async (m) => {
      const device = await this.lockDevice(m, id);
      const changes: Record<string, unknown> = {};
      if (dto.name !== undefined && dto.name !== device.name) changes.name = dto.name;
      if (dto.groupId !== undefined && dto.groupId !== device.groupId) {
        if (dto.groupId && !(await m.existsBy(DeviceGroupEntity, { id: dto.groupId }))) {
          throw new GroupNotFoundException(dto.groupId);
        }
        changes.groupId = dto.groupId;
      }
      if (Object.keys(changes).length > 0) await m.update(DeviceEntity, { id }, changes);
      await this.audit.record(m, actor, {
        action: 'devices.update',
        targetType: 'device',
        targetId: id,
        details: changes,
      });
      return 'groupId' in changes;
    });
    this.events.emit('changed', { deviceId: id });
    if (regrouped) this.events.emit('facets', { deviceIds: [id] });
    return this.response(id);
  }

  async addTags(actor: Actor, id: string, tags: string[]): Promise<DeviceResponse> {
    await this.dataSource.transaction(async (m) => {
      await this.lockDevice(m, id);
      await this.linkTags(m, id, tags);
      await this.audit.record(m, actor, {
        action: 'devices.tag',
        targetType: 'device',
        targetId: id,
        details: { tags },
      });
    });
    this.events.emit('changed', { deviceId: id });
    this.events.emit('facets', { deviceIds: [id] });
    return this.response(id);
  }

  async removeTag(actor: Actor, id: string, tag: string): Promise<DeviceResponse> {
    await this.dataSource.transaction(async (m) => {
      await this.lockDevice(m, id);
      const result = await m.query<unknown[][]>(
        `DELETE FROM device_tag dt USING tag t WHERE dt.tag_id = t.id AND dt.device_id = $1 AND t.name = $2 RETURNING dt.tag_id`,
        [id, tag],
      );
      if (result[0].length === 0) throw new TagNotFoundException(tag);
      await this.audit.record(m, actor, {
        action: 'devices.untag',
        targetType: 'device',
        targetId: id,
        details: { tag },
      });
    });
    this.events.emit('changed', { deviceId: id });
    this.events.emit('facets', { deviceIds: [id] });
    return this.response(id);
  }

  /** Revoking is final: the socket closes now and every reconnect is refused. */
  async revoke(actor: Actor, id: string): Promise<DeviceResponse> {
    await this.dataSource.transaction(async (m) => {
      const device = await this.lockDevice(m, id);
      if (!device.revokedAt)
        await m.update(DeviceEntity, { id }, { revokedAt: () => 'now()', status: 'offline' });
      await this.audit.record(m, actor, {
        action: 'devices.revoke',
        targetType: 'device',
        targetId: id,
        details: { hostname: device.hostname, alreadyRevoked: device.revokedAt !== null },
      });
    });
    this.events.emit('revoked', { deviceId: id });
    this.events.emit('status', { deviceId: id, status: 'offline', at: new Date().toISOString() });
    return this.response(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const device = await this.lockDevice(m, id);
      await m.delete(DeviceEntity, { id });
      await this.audit.record(m, actor, {
        action: 'devices.delete',
        targetType: 'device',
        targetId: id,
        details: { hostname: device.hostname },
      });
    });
    this.events.emit('revoked', { deviceId: id });
  }

  private async response(id: string): Promise<DeviceResponse> {
    return (await this.toResponses([await this.getEntity(id)]))[0];
  }

  private async getEntity(id: string): Promise<DeviceEntity> {
    const device = await this.dataSource.getRepository(DeviceEntity).findOneBy({ id });
    if (!device) throw new DeviceNotFoundException(id);
    return device;
  }

  private async lockDevice(m: EntityManager, id: string): Promise<DeviceEntity> {
    const device = await m.findOne(DeviceEntity, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!device) throw new DeviceNotFoundException(id);
    return device;
  }

  private async linkTags(m: EntityManager, deviceId: string, tags: string[]): Promise<void> {
    if (tags.length === 0) return;
    await m.query(
      `INSERT INTO tag (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`,
      [tags],
    );
    await m.query(
      `INSERT INTO device_tag (device_id, tag_id) SELECT $1, id FROM tag WHERE name = ANY($2::text[])
       ON CONFLICT DO NOTHING`,
      [deviceId, tags],
    );
  }

  private async toResponses(devices: DeviceEntity[]): Promise<DeviceResponse[]> {
    if (devices.length === 0) return [];
    const ids = devices.map((d) => d.id);
    const groupIds = [
      ...new Set(devices.map((d) => d.groupId).filter((g): g is string => g !== null)),
    ];
    const [tagRows, groups] = await Promise.all([
      this.dataSource.query<{ device_id: string; name: string }[]>(
        `SELECT dt.device_id, t.name FROM device_tag dt JOIN tag t ON t.id = dt.tag_id
         WHERE dt.device_id = ANY($1::uuid[]) ORDER BY t.name`,
        [ids],
      ),
      groupIds.length
        ? this.dataSource.query<{ id: string; name: string }[]>(
            `SELECT id, name FROM device_group WHERE id = ANY($1::uuid[])`,
            [groupIds],
          )
        : Promise.resolve([]),
    ]);
    const tagsBy = new Map<string, string[]>();
    for (const row of tagRows)
      tagsBy.set(row.device_id, [...(tagsBy.get(row.device_id) ?? []), row.name]);
    const groupBy = new Map(groups.map((g) => [g.id, g]));
    return devices.map((d) =>
      toDeviceResponse(
        d,
        tagsBy.get(d.id) ?? [],
        d.groupId ? (groupBy.get(d.groupId) ?? null) : null,
        this.offered.current,
      ),
    );
  }
}
