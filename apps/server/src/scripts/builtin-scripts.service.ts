import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { SYSTEM_ACTOR } from '../common/actor';
import { BUILTIN_SCRIPTS, type BuiltinScript } from './builtin-scripts';
import { sha256Hex } from './script-content';
import { ScriptsService, toStoredParameter } from './scripts.service';

export type BuiltinOutcome = 'installed' | 'updated' | 'unchanged' | 'skipped';

/**
 * Installs the built-in scripts at start-up. Idempotent and safe when replicas start
 * together: the insert is `ON CONFLICT DO NOTHING` on the name index, so exactly one node
 * creates each script. When a release ships new content for a built-in, the first node to
 * start adds it as a new version; content that any version already had is never re-added, so
 * an older replica in a rolling upgrade does not flip it back.
 */
@Injectable()
export class BuiltinScriptsService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Scripts');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scripts: ScriptsService,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const outcomes: string[] = [];
    for (const builtin of BUILTIN_SCRIPTS) {
      const outcome = await this.install(builtin);
      if (outcome !== 'unchanged') outcomes.push(`${builtin.name}: ${outcome}`);
    }
    if (outcomes.length > 0) this.logger.log(`Built-in scripts: ${outcomes.join('; ')}`);
  }

  async install(b: BuiltinScript): Promise<BuiltinOutcome> {
    const content = {
      language: b.language,
      body: b.body,
      parameters: b.parameters.map(toStoredParameter),
      defaultTimeoutSeconds: b.defaultTimeoutSeconds,
    };
    this.scripts.assertValidContent(content);
    const sha256 = sha256Hex(b.body);
    return this.dataSource.transaction(async (m) => {
      const inserted = await m.query<{ id: string }[]>(
        `INSERT INTO script (name, description, tags, current_version, builtin)
         VALUES ($1, $2, $3, 1, true)
         ON CONFLICT (lower(name)) WHERE archived_at IS NULL DO NOTHING
         RETURNING id`,
        [b.name, b.description, [...b.tags].sort()],
      );
      if (inserted.length === 1) {
        const id = inserted[0].id;
        await this.scripts.insertVersion(m, id, 1, content, null);
        await this.audit.record(m, SYSTEM_ACTOR, {
          action: 'scripts.builtin_install',
          targetType: 'script',
          targetId: id,
          details: { name: b.name, version: 1, sha256 },
        });
        return 'installed';
      }

      const [existing] = await m.query<{ id: string; builtin: boolean; current_version: number }[]>(
        `SELECT id, builtin, current_version FROM script
         WHERE lower(name) = lower($1) AND archived_at IS NULL FOR UPDATE`,
        [b.name],
      );
      if (!existing?.builtin) {
        this.logger.warn(
          `Built-in script "${b.name}" not installed: a script of yours already has that name`,
        );
        return 'skipped';
      }
      const seen = await m.query<unknown[]>(
        `SELECT 1 FROM script_version
         WHERE script_id = $1 AND body_sha256 = $2 AND language = $3
           AND parameters = $4::jsonb AND default_timeout_seconds = $5
         LIMIT 1`,
        [
          existing.id,
          sha256,
          b.language,
          JSON.stringify(content.parameters),
          b.defaultTimeoutSeconds,
        ],
      );
      if (seen.length > 0) return 'unchanged';
      const version = existing.current_version + 1;
      await this.scripts.insertVersion(m, existing.id, version, content, null);
      await m.query(
        `UPDATE script SET current_version = $2, description = $3, tags = $4, updated_at = now()
         WHERE id = $1`,
        [existing.id, version, b.description, [...b.tags].sort()],
      );
      await this.audit.record(m, SYSTEM_ACTOR, {
        action: 'scripts.builtin_update',
        targetType: 'script',
        targetId: existing.id,
        details: { name: b.name, version, sha256 },
      });
      return 'updated';
    });
  }
}
