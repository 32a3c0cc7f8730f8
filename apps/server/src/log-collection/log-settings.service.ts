import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DEFAULT_LOG_ALLOW_GLOBS,
  DEFAULT_LOG_DENY_GLOBS,
  LOG_COLLECTION_RULES,
  type LogCollectionSettings,
} from '@fleetdesk/api-types';
import picomatch from 'picomatch';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { LogCollectionSettingsEntity } from './log-bundle.entity';
import { LogCollectionInvalidException } from './log-collection.exceptions';
import type { UpdateLogSettingsDto } from './dto/log-settings.dto';

export const defaultLogSettings = (): LogCollectionSettings => ({
  allow: [...DEFAULT_LOG_ALLOW_GLOBS],
  deny: [...DEFAULT_LOG_DENY_GLOBS],
  maxBundleBytes: LOG_COLLECTION_RULES.maxBundleBytes.default,
  maxTotalBytes: LOG_COLLECTION_RULES.maxTotalBytes.default,
  retentionDays: LOG_COLLECTION_RULES.retentionDays.default,
  updatedAt: null,
  updatedBy: null,
});

/** Throws with the glob's problem when picomatch cannot read it. */
export function checkGlobs(field: string, globs: readonly string[]): void {
  for (const [i, glob] of globs.entries()) {
    try {
      picomatch.makeRe(glob, { dot: true });
    } catch (err) {
      throw new LogCollectionInvalidException(
        `${field}[${i}] is not a usable glob: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
}

/** The admin's path policy and limits: one row, read by every collection and the sweep. */
@Injectable()
export class LogSettingsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(m: EntityManager = this.dataSource.manager): Promise<LogCollectionSettings> {
    const row = await m.findOne(LogCollectionSettingsEntity, { where: { id: 1 } });
    if (!row) return defaultLogSettings();
    return {
      allow: row.allow,
      deny: row.deny,
      maxBundleBytes: row.maxBundleBytes,
      maxTotalBytes: row.maxTotalBytes,
      retentionDays: row.retentionDays,
      updatedAt: row.updatedAt.toISOString(),
      updatedBy: row.updatedBy,
    };
  }

  async update(actor: Actor, dto: UpdateLogSettingsDto): Promise<LogCollectionSettings> {
    // The DTO instance carries every declared field, undefined when not sent.
    const given = Object.fromEntries(
      Object.entries(dto).filter(([, v]) => v !== undefined),
    ) as UpdateLogSettingsDto;
    if (dto.allow) checkGlobs('allow', dto.allow);
    if (dto.deny) checkGlobs('deny', dto.deny);
    await this.dataSource.transaction(async (m) => {
      // Serialises two admins' edits: each sees the other's before applying its own.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('log_collection_settings'))`);
      const before = await this.get(m);
      const after = { ...before, ...given };
      await m.upsert(
        LogCollectionSettingsEntity,
        {
          id: 1,
          allow: after.allow,
          deny: after.deny,
          maxBundleBytes: after.maxBundleBytes,
          maxTotalBytes: after.maxTotalBytes,
          retentionDays: after.retentionDays,
          updatedAt: new Date(),
          updatedBy: actor.email,
        },
        ['id'],
      );
      const changed = Object.fromEntries(
        (Object.keys(given) as (keyof UpdateLogSettingsDto)[]).map((k) => [
          k,
          { from: before[k], to: after[k] },
        ]),
      );
      await this.audit.record(m, actor, {
        action: 'log_collections.settings_updated',
        targetType: 'log_collection_settings',
        details: changed,
      });
    });
    return this.get();
  }
}
