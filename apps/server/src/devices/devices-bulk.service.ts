import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { BulkActionResponse, JobTarget } from '@fleetdesk/api-types';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { DeviceEvents } from './device-events';
import {
  GroupNotFoundException,
  TagNotFoundException,
  TargetEmptyException,
} from './devices.exceptions';
import { DevicesService } from './devices.service';
import { describeTarget, isEmptyTarget } from './dto/target.dto';

type BulkAction = 'tag' | 'untag' | 'group' | 'revoke' | 'delete';

/**
 * Tag, untag, group, revoke and delete over a job target: one transaction, one SQL statement
 * per step over the whole id set, one audit event with the count. The console sends one
 * request for a selection of thousands instead of one per device.
 */
@Injectable()
export class DevicesBulkService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly devices: DevicesService,
    private readonly audit: AuditService,
    private readonly events: DeviceEvents,
  ) {}

  async tag(actor: Actor, target: JobTarget, tags: string[]): Promise<BulkActionResponse> {
    const { ids, changed } = await this.run(actor, 'tag', target, { tags }, async (m, ids) => {
      await m.query(
        `INSERT INTO tag (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`,
        [tags],
      );
      return this.count(
        m,
        `WITH linked AS (
           INSERT INTO device_tag (device_id, tag_id)
           SELECT d.id, t.id FROM unnest($1::uuid[]) AS d(id) CROSS JOIN tag t
           WHERE t.name = ANY($2::text[])
           ON CONFLICT DO NOTHING RETURNING device_id)
         SELECT count(DISTINCT device_id)::int AS n FROM linked`,
        [ids, tags],
      );
    });
    this.emitChanged(ids);
    return { matched: ids.length, changed };
  }

  async untag(actor: Actor, target: JobTarget, tags: string[]): Promise<BulkActionResponse> {
    const { ids, changed } = await this.run(actor, 'untag', target, { tags }, async (m, ids) => {
      return this.count(
        m,
        `WITH unlinked AS (
           DELETE FROM device_tag dt USING tag t
           WHERE dt.tag_id = t.id AND dt.device_id = ANY($1::uuid[]) AND t.name = ANY($2::text[])
           RETURNING dt.device_id)
         SELECT count(DISTINCT device_id)::int AS n FROM unlinked`,
        [ids, tags],
      );
    });
    this.emitChanged(ids);
    return { matched: ids.length, changed };
  }

  async group(
    actor: Actor,
    target: JobTarget,
    groupId: string | null,
  ): Promise<BulkActionResponse> {
    const { ids, changed } = await this.run(actor, 'group', target, { groupId }, async (m, ids) =>
      this.count(
        m,
        `WITH moved AS (
             UPDATE device SET group_id = $2::uuid
             WHERE id = ANY($1::uuid[]) AND group_id IS DISTINCT FROM $2::uuid RETURNING id)
           SELECT count(*)::int AS n FROM moved`,
        [ids, groupId],
      ),
    );
    this.emitChanged(ids);
    return { matched: ids.length, changed };
  }

  /** As the single revoke: final, and every live socket of these devices closes now. */
  async revoke(actor: Actor, target: JobTarget): Promise<BulkActionResponse> {
    const { ids, changed } = await this.run(actor, 'revoke', target, {}, async (m, ids) =>
      this.count(
        m,
        `WITH revoked AS (
           UPDATE device SET revoked_at = now(), status = 'offline'
           WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL RETURNING id)
         SELECT count(*)::int AS n FROM revoked`,
        [ids],
      ),
    );
    const at = new Date().toISOString();
    for (const deviceId of ids) {
      this.events.emit('revoked', { deviceId });
      this.events.emit('status', { deviceId, status: 'offline', at });
    }
    return { matched: ids.length, changed };
  }

  async delete(actor: Actor, target: JobTarget): Promise<BulkActionResponse> {
    const { ids, changed } = await this.run(actor, 'delete', target, {}, async (m, ids) =>
      this.count(
        m,
        `WITH deleted AS (DELETE FROM device WHERE id = ANY($1::uuid[]) RETURNING id)
         SELECT count(*)::int AS n FROM deleted`,
        [ids],
      ),
    );
    for (const deviceId of ids) this.events.emit('revoked', { deviceId });
    return { matched: ids.length, changed };
  }

  /**
   * Everything a bulk action shares: refuse an empty target, check what would make the action
   * fail before anything is written, resolve and lock the devices, act, audit once.
   */
  private async run(
    actor: Actor,
    action: BulkAction,
    target: JobTarget,
    details: { tags?: string[]; groupId?: string | null },
    act: (m: EntityManager, ids: string[]) => Promise<number>,
  ): Promise<{ ids: string[]; changed: number }> {
    if (isEmptyTarget(target)) throw new TargetEmptyException();
    return this.dataSource.transaction(async (m) => {
      if (action === 'untag') await this.requireTags(m, details.tags ?? []);
      if (action === 'group' && details.groupId) {
        const [{ n }] = await m.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM device_group WHERE id = $1`,
          [details.groupId],
        );
        if (n === 0) throw new GroupNotFoundException(details.groupId);
      }
      // Deleting is how revoked devices are cleared away, so it alone reaches them.
      const ids = await this.devices.resolveTarget(target, m, {
        lock: true,
        includeRevoked: action === 'delete',
      });
      if (ids.length === 0) return { ids, changed: 0 };
      const changed = await act(m, ids);
      await this.audit.record(m, actor, {
        action: `devices.bulk_${action}`,
        targetType: 'devices',
        details: { target: describeTarget(target), ...details, matched: ids.length, changed },
      });
      return { ids, changed };
    });
  }

  private async requireTags(m: EntityManager, tags: string[]): Promise<void> {
    const rows = await m.query<{ name: string }[]>(
      `SELECT name FROM tag WHERE name = ANY($1::text[])`,
      [tags],
    );
    const known = new Set(rows.map((r) => r.name));
    const missing = tags.find((t) => !known.has(t));
    if (missing !== undefined) throw new TagNotFoundException(missing);
  }

  private async count(m: EntityManager, sql: string, params: unknown[]): Promise<number> {
    const [{ n }] = await m.query<{ n: number }[]>(sql, params);
    return n;
  }

  /** Tag and group changes: consoles hear of each device, check targets of the set. */
  private emitChanged(ids: string[]): void {
    for (const deviceId of ids) this.events.emit('changed', { deviceId });
    if (ids.length > 0) this.events.emit('facets', { deviceIds: ids });
  }
}
