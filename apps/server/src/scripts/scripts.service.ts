import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isUUID } from 'class-validator';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { isUniqueViolation, likePattern } from '../common/sql';
import { SecretBox } from '../secrets/secret-box';
import type { Page, ScriptLanguage, ScriptParameter } from '@fleetdesk/api-types';
import {
  CreateScriptDto,
  ScriptQueryDto,
  ScriptResponse,
  ScriptSummaryResponse,
  ScriptVersionResponse,
  toScriptResponse,
  toScriptSummaryResponse,
  toScriptVersionResponse,
  UpdateScriptDto,
  UpdateScriptResponse,
} from './dto/script.dto';
import type { ScriptParameterDto } from './dto/script-parameter.dto';
import { contentProblems, sha256Hex } from './script-content';
import { parameterProblems } from '@fleetdesk/api-types';
import { renderParams } from './script-parameters';
import { openParameters, sealParameters, type StoredParameter } from './script-secrets';
import { ScriptVersionEntity } from './script-version.entity';
import { ScriptEntity } from './script.entity';
import {
  ScriptArchivedException,
  ScriptBuiltinException,
  ScriptInvalidException,
  ScriptNameTakenException,
  ScriptNotFoundException,
  ScriptVersionNotFoundException,
} from './scripts.exceptions';

export { sha256Hex } from './script-content';

/** What the jobs module needs to send one script run to an agent. */
export interface ResolvedScript {
  scriptId: string;
  /** For display (e.g. a job's default name); the content is identified by id, version and sha256. */
  scriptName: string;
  version: number;
  language: ScriptLanguage;
  body: string;
  sha256: string;
  defaultTimeoutSeconds: number;
  /**
   * One variable per declared parameter, named exactly as it (empty when it has no value);
   * `secret` on a secret parameter's.
   */
  env: { name: string; value: string; secret?: true }[];
  /** `-NAME value` pairs for PowerShell; positional values in declaration order otherwise. */
  args: string[];
  /** The effective values with secrets replaced by '[secret]', safe to store and show. */
  redactedParams: Record<string, unknown>;
}

/** A version's content: what a new version is made of. */
export interface ScriptContent {
  language: ScriptLanguage;
  body: string;
  parameters: ScriptParameter[];
  defaultTimeoutSeconds: number;
}

const MAX_INT4 = 2_147_483_647;

const VERSION_LIST_SELECT = {
  scriptId: true,
  version: true,
  language: true,
  bodySha256: true,
  createdBy: true,
  createdAt: true,
} as const;

/** JSON with object keys sorted, so jsonb round trips compare equal. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

const hasDefaultSecret = (p: ScriptParameter) => p.secret && p.default !== undefined;

function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags)].sort();
}

/** A parameter as stored: fixed key order, no null or undefined keys. */
export function toStoredParameter(p: ScriptParameterDto | ScriptParameter): ScriptParameter {
  const out: ScriptParameter = {
    name: p.name,
    type: p.type,
    required: p.required === true,
    secret: p.secret === true,
  };
  if (p.default !== undefined && p.default !== null) out.default = p.default;
  if (p.options !== undefined && p.options !== null) out.options = [...p.options];
  if (p.description !== undefined) out.description = p.description;
  return out;
}

/**
 * The script library: versioned scripts with typed parameters. Content is immutable once
 * written; editing it makes a new version, so a job always knows exactly what it ran.
 */
@Injectable()
export class ScriptsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScriptsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly box: SecretBox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const sealed = await this.sealPlainSecretDefaults();
    if (sealed > 0) this.logger.log(`Sealed the secret defaults of ${sealed} script version(s)`);
  }

  /**
   * Versions written before secret defaults were sealed get them sealed in place. Each row is
   * updated only if it still holds what was read, so replicas starting together are harmless.
   */
  async sealPlainSecretDefaults(): Promise<number> {
    const rows = await this.dataSource.query<
      { script_id: string; version: number; parameters: StoredParameter[] }[]
    >(
      `SELECT script_id, version, parameters FROM script_version
       WHERE jsonb_path_exists(parameters, '$[*] ? (@.secret == true && exists(@.default))')`,
    );
    let sealed = 0;
    for (const row of rows) {
      const next = sealParameters(this.box, row.script_id, row.version, row.parameters);
      const [, count] = await this.dataSource.query<[unknown, number]>(
        `UPDATE script_version SET parameters = $3::jsonb
         WHERE script_id = $1 AND version = $2 AND parameters = $4::jsonb`,
        [row.script_id, row.version, JSON.stringify(next), JSON.stringify(row.parameters)],
      );
      sealed += count;
    }
    return sealed;
  }

  async list(q: ScriptQueryDto): Promise<Page<ScriptSummaryResponse>> {
    const qb = this.dataSource.getRepository(ScriptEntity).createQueryBuilder('s');
    if (!q.archived) qb.andWhere('s.archived_at IS NULL');
    if (q.tag) qb.andWhere('s.tags @> ARRAY[:tag]::text[]', { tag: q.tag });
    if (q.q)
      qb.andWhere('(s.name ILIKE :like OR s.description ILIKE :like)', { like: likePattern(q.q) });
    if (q.language) {
      qb.andWhere(
        `EXISTS (SELECT 1 FROM script_version v
                 WHERE v.script_id = s.id AND v.version = s.current_version AND v.language = :language)`,
        { language: q.language },
      );
    }
    const total = await qb.getCount();
    const scripts = await qb
      .orderBy('lower(s.name)', 'ASC')
      .addOrderBy('s.id', 'ASC')
      .offset((q.page - 1) * q.pageSize)
      .limit(q.pageSize)
      .getMany();
    const versions = scripts.length
      ? await this.dataSource.getRepository(ScriptVersionEntity).find({
          where: scripts.map((s) => ({ scriptId: s.id, version: s.currentVersion })),
          select: { ...VERSION_LIST_SELECT, parameters: true, defaultTimeoutSeconds: true },
        })
      : [];
    const byId = new Map(versions.map((v) => [v.scriptId, v]));
    return {
      items: scripts.map((s) => toScriptSummaryResponse(s, byId.get(s.id)!)),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async get(id: string): Promise<ScriptResponse> {
    const m = this.dataSource.manager;
    const script = await this.findScript(m, id);
    const current = await this.findVersion(m, script, script.currentVersion);
    const versions = await m.find(ScriptVersionEntity, {
      where: { scriptId: id },
      select: VERSION_LIST_SELECT,
      order: { version: 'DESC' },
    });
    return toScriptResponse(script, current, versions);
  }

  async getVersion(id: string, version: number): Promise<ScriptVersionResponse> {
    const m = this.dataSource.manager;
    const script = await this.findScript(m, id);
    return toScriptVersionResponse(script, await this.findVersion(m, script, version));
  }

  async create(actor: Actor, dto: CreateScriptDto): Promise<ScriptResponse> {
    const content: ScriptContent = {
      language: dto.language,
      body: dto.body,
      parameters: (dto.parameters ?? []).map(toStoredParameter),
      defaultTimeoutSeconds: dto.defaultTimeoutSeconds,
    };
    this.assertValidContent(content);
    try {
      const { script, version } = await this.dataSource.transaction(async (m) => {
        const script = await m.save(
          ScriptEntity,
          m.create(ScriptEntity, {
            name: dto.name,
            description: dto.description ?? '',
            tags: normaliseTags(dto.tags ?? []),
            currentVersion: 1,
            builtin: false,
            createdBy: actor.userId,
          }),
        );
        const version = await this.insertVersion(m, script.id, 1, content, actor.userId);
        await this.audit.record(m, actor, {
          action: 'scripts.create',
          targetType: 'script',
          targetId: script.id,
          details: {
            name: script.name,
            version: 1,
            sha256: version.bodySha256,
            language: version.language,
          },
        });
        return { script, version };
      });
      return toScriptResponse(script, version, [version]);
    } catch (error) {
      if (isUniqueViolation(error, 'UQ_script_name')) throw new ScriptNameTakenException(dto.name);
      throw error;
    }
  }

  /**
   * Name, description and tags change in place. A change to language, body, parameters or
   * the default timeout makes version N+1 (the same content again makes none). Either way,
   * one audit event records the resulting version and its hash.
   */
  async update(actor: Actor, id: string, dto: UpdateScriptDto): Promise<UpdateScriptResponse> {
    let dropped: string[] = [];
    try {
      await this.dataSource.transaction(async (m) => {
        const script = await this.lockEditable(m, id);
        const current = await this.findVersion(m, script, script.currentVersion);
        const changed: string[] = [];
        if (dto.name !== undefined && dto.name !== script.name) {
          script.name = dto.name;
          changed.push('name');
        }
        if (dto.description !== undefined && dto.description !== script.description) {
          script.description = dto.description;
          changed.push('description');
        }
        if (dto.tags !== undefined) {
          const tags = normaliseTags(dto.tags);
          if (canonical(tags) !== canonical(script.tags)) {
            script.tags = tags;
            changed.push('tags');
          }
        }

        const currentParams = openParameters(this.box, id, current.version, current.parameters);
        const incoming = dto.parameters
          ? this.keepSecretDefaults(dto.parameters, currentParams)
          : { parameters: currentParams, carried: currentParams.filter(hasDefaultSecret) };
        const next: ScriptContent = {
          language: dto.language ?? current.language,
          body: dto.body ?? current.body,
          parameters: incoming.parameters,
          defaultTimeoutSeconds: dto.defaultTimeoutSeconds ?? current.defaultTimeoutSeconds,
        };
        const contentChanged = [
          next.language !== current.language && 'language',
          next.body !== current.body && 'body',
          canonical(next.parameters) !== canonical(currentParams) && 'parameters',
          next.defaultTimeoutSeconds !== current.defaultTimeoutSeconds && 'defaultTimeoutSeconds',
        ].filter((c): c is string => typeof c === 'string');
        let version = current;
        if (contentChanged.length > 0) {
          // Any change can turn a secret default into output (a new body that echoes it, or a
          // new URL it is sent to), so only an admin carries secret defaults the caller did
          // not type again into the new version.
          if (actor.role !== 'admin' && incoming.carried.length > 0) {
            dropped = incoming.carried.map((p) => p.name);
            next.parameters = next.parameters.map((p) => {
              if (!dropped.includes(p.name)) return p;
              const { default: _dropped, ...rest } = p;
              return rest;
            });
          }
          this.assertValidContent(next);
          version = await this.insertVersion(m, id, script.currentVersion + 1, next, actor.userId);
          script.currentVersion = version.version;
          changed.push(...contentChanged);
        }
        if (changed.length > 0) await m.save(ScriptEntity, script);
        await this.audit.record(m, actor, {
          action: 'scripts.update',
          targetType: 'script',
          targetId: id,
          details: {
            name: script.name,
            changed,
            newVersion: contentChanged.length > 0,
            version: version.version,
            sha256: version.bodySha256,
            ...(dropped.length > 0 ? { droppedSecretDefaults: dropped } : {}),
          },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error, 'UQ_script_name'))
        throw new ScriptNameTakenException(dto.name ?? '');
      throw error;
    }
    return { ...(await this.get(id)), droppedSecretDefaults: dropped };
  }

  /** Archived scripts stay readable (jobs refer to them) but leave the list and cannot run. */
  async archive(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const script = await this.lockEditable(m, id);
      const current = await this.findVersion(m, script, script.currentVersion);
      script.archivedAt = new Date();
      await m.save(ScriptEntity, script);
      await this.audit.record(m, actor, {
        action: 'scripts.archive',
        targetType: 'script',
        targetId: id,
        details: { name: script.name, version: current.version, sha256: current.bodySha256 },
      });
    });
  }

  /**
   * For the jobs module: the exact content of one version (the current one unless given),
   * with the supplied parameter values checked against its declarations, defaults applied
   * and rendered as env vars and arguments. Pass the caller's EntityManager when calling
   * inside a transaction (the embedded database has a single connection).
   */
  async resolveForRun(
    scriptId: string,
    version: number | undefined,
    params: Record<string, unknown> = {},
    manager?: EntityManager,
  ): Promise<ResolvedScript> {
    const m = manager ?? this.dataSource.manager;
    const script = await this.findScript(m, scriptId);
    if (script.archivedAt) throw new ScriptArchivedException(script.id);
    const v = await this.findVersion(m, script, version ?? script.currentVersion);
    if (sha256Hex(v.body) !== v.bodySha256)
      throw new Error(`script ${script.id} v${v.version}: body does not match its sha256`);
    const declared = openParameters(this.box, script.id, v.version, v.parameters);
    const rendered = renderParams(declared, v.language, params);
    return {
      scriptId: script.id,
      scriptName: script.name,
      version: v.version,
      language: v.language,
      body: v.body,
      sha256: v.bodySha256,
      defaultTimeoutSeconds: v.defaultTimeoutSeconds,
      ...rendered,
    };
  }

  /** Names of one version's secret parameters; empty when the version is gone. */
  async secretParameterNames(scriptId: string, version: number): Promise<Set<string>> {
    const v = await this.dataSource
      .getRepository(ScriptVersionEntity)
      .findOne({ where: { scriptId, version }, select: { scriptId: true, parameters: true } });
    return new Set((v?.parameters ?? []).filter((p) => p.secret).map((p) => p.name));
  }

  /** The service's own check, whatever the caller: the DTOs apply the same rules at the edge. */
  assertValidContent(content: ScriptContent): void {
    const problems = [...contentProblems(content), ...parameterProblems(content.parameters)];
    if (problems.length > 0) throw new ScriptInvalidException(problems);
  }

  /** Inserts one version row; `script.current_version` must point at it before commit. */
  async insertVersion(
    m: EntityManager,
    scriptId: string,
    version: number,
    content: ScriptContent,
    createdBy: string | null,
  ): Promise<ScriptVersionEntity> {
    return m.save(
      ScriptVersionEntity,
      m.create(ScriptVersionEntity, {
        scriptId,
        version,
        language: content.language,
        body: content.body,
        bodySha256: sha256Hex(content.body),
        parameters: sealParameters(this.box, scriptId, version, content.parameters),
        defaultTimeoutSeconds: content.defaultTimeoutSeconds,
        createdBy,
      }),
    );
  }

  /**
   * Secret defaults are never shown, so a client that sends the list back cannot repeat them:
   * a secret, optional parameter sent without a default keeps the one it had (send
   * `default: null` to drop it). `carried` lists those kept without being typed again.
   */
  private keepSecretDefaults(
    incoming: ScriptParameterDto[],
    previous: ScriptParameter[],
  ): { parameters: ScriptParameter[]; carried: ScriptParameter[] } {
    const before = new Map(previous.map((p) => [p.name, p]));
    const carried: ScriptParameter[] = [];
    const parameters = incoming.map((dto) => {
      const p = toStoredParameter(dto);
      const old = before.get(p.name);
      if (dto.default === undefined && p.secret && !p.required && old?.secret) {
        if (old.default !== undefined) {
          p.default = old.default;
          carried.push(p);
        }
      }
      return p;
    });
    return { parameters, carried };
  }

  private async findScript(m: EntityManager, id: string): Promise<ScriptEntity> {
    // A malformed id cannot exist, and must not reach PostgreSQL's uuid cast.
    const script = isUUID(id) ? await m.findOneBy(ScriptEntity, { id }) : null;
    if (!script) throw new ScriptNotFoundException(id.slice(0, 64));
    return script;
  }

  private async findVersion(
    m: EntityManager,
    script: ScriptEntity,
    version: number,
  ): Promise<ScriptVersionEntity> {
    const found =
      Number.isInteger(version) && version >= 1 && version <= MAX_INT4
        ? await m.findOneBy(ScriptVersionEntity, { scriptId: script.id, version })
        : null;
    if (!found) throw new ScriptVersionNotFoundException(script.id, version);
    return found;
  }

  private async lockEditable(m: EntityManager, id: string): Promise<ScriptEntity> {
    const script = isUUID(id)
      ? await m.findOne(ScriptEntity, { where: { id }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!script) throw new ScriptNotFoundException(id.slice(0, 64));
    if (script.builtin) throw new ScriptBuiltinException(script.name);
    if (script.archivedAt) throw new ScriptArchivedException(id);
    return script;
  }
}
