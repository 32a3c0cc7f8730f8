import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  AgentCheckSummary,
  DevicePolicy,
  JobTarget,
  Page,
  PolicyMatch,
  PolicyResponse,
  PolicySchedule,
} from '@fleetdesk/api-types';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AgentChecksService } from '../agent-checks/agent-checks.service';
import {
  AgentCheckTargetSources,
  type CheckExtraTarget,
} from '../agent-checks/check-target-sources';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import { isUniqueViolation } from '../common/sql';
import { DevicesService } from '../devices/devices.service';
import { GroupsTagsService } from '../devices/groups-tags.service';
import { ScheduleTargetSources } from '../schedules/schedule-target-sources';
import { SchedulesService } from '../schedules/schedules.service';
import type { CreatePolicyDto, UpdatePolicyDto } from './dto/policy.dto';
import {
  PolicyInvalidException,
  PolicyNameTakenException,
  PolicyNotFoundException,
} from './policies.exceptions';
import { PolicyCheckEntity, PolicyEntity, PolicyScheduleEntity } from './policy.entity';

/** What a response needs besides the row: group names and the schedules' state. */
interface Lookups {
  groups: Map<string, string>;
  links: Map<string, string[]>;
  schedules: Map<string, PolicySchedule>;
  checkLinks: Map<string, string[]>;
  checks: Map<string, AgentCheckSummary>;
}

const describe = (p: PolicyEntity, scheduleIds: string[], checkIds: string[]) => ({
  name: p.name,
  description: p.description,
  target: { tags: p.tags, groupIds: p.groupIds },
  scheduleIds,
  checkIds,
});

/** Groups ids of link rows by policy. */
function byPolicy<T extends { policyId: string }>(rows: T[], id: (r: T) => string) {
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.policyId, [...(out.get(r.policyId) ?? []), id(r)]);
  return out;
}

/**
 * Automation policies. A policy is attached to groups and tags; each of its schedules fires
 * on its own target plus every device the policy matches at fire time (registered with the
 * scheduler as a target source, so the schedules module does not import this one). The
 * device page asks `forDevice`: every policy that applies, and which group or tag matched.
 *
 * Agent checks join a policy the same way: a link table beside `automation_policy_schedule`,
 * registered with the agent-checks module as a target source (so that module does not import
 * this one), which is told through `AgentChecksService.targetsChanged` whenever a change here
 * moves which devices a check covers, and pushes the new sets to the agents.
 */
@Injectable()
export class PoliciesService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly devices: DevicesService,
    private readonly groups: GroupsTagsService,
    private readonly schedules: SchedulesService,
    private readonly targetSources: ScheduleTargetSources,
    private readonly checks: AgentChecksService,
    private readonly checkSources: AgentCheckTargetSources,
  ) {}

  onModuleInit(): void {
    this.targetSources.register({ extraTargets: (m, id) => this.targetsOfSchedule(m, id) });
    this.checkSources.register({ extraTargets: () => this.targetsOfChecks() });
  }

  /** The groups and tags of every policy each check is in, by check id. */
  async targetsOfChecks(): Promise<Map<string, CheckExtraTarget[]>> {
    const rows = await this.dataSource.query<
      { check_id: string; tags: string[]; group_ids: string[] }[]
    >(
      `SELECT pc.check_id, p.tags, p.group_ids FROM automation_policy p
       JOIN automation_policy_check pc ON pc.policy_id = p.id`,
    );
    const out = new Map<string, CheckExtraTarget[]>();
    for (const r of rows) {
      if (r.tags.length === 0 && r.group_ids.length === 0) continue;
      const t = { tags: r.tags, groupIds: r.group_ids };
      out.set(r.check_id, [...(out.get(r.check_id) ?? []), t]);
    }
    return out;
  }

  /** The groups and tags of every policy the schedule is in, as job targets. */
  async targetsOfSchedule(m: EntityManager, scheduleId: string): Promise<JobTarget[]> {
    const rows = await m.query<{ tags: string[]; group_ids: string[] }[]>(
      `SELECT p.tags, p.group_ids FROM automation_policy p
       JOIN automation_policy_schedule ps ON ps.policy_id = p.id
       WHERE ps.schedule_id = $1`,
      [scheduleId],
    );
    return rows
      .filter((r) => r.tags.length > 0 || r.group_ids.length > 0)
      .map((r) => ({ tags: r.tags, groupIds: r.group_ids }));
  }

  async list(q: PageQueryDto): Promise<Page<PolicyResponse>> {
    const [rows, total] = await this.dataSource.getRepository(PolicyEntity).findAndCount({
      order: { name: 'ASC', id: 'ASC' },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    const lookups = await this.lookups(rows.map((p) => p.id));
    return {
      items: rows.map((p) => this.toResponse(p, lookups)),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  async get(id: string): Promise<PolicyResponse> {
    const p = await this.getEntity(id);
    return this.toResponse(p, await this.lookups([p.id]));
  }

  async create(actor: Actor, dto: CreatePolicyDto): Promise<PolicyResponse> {
    const p = this.dataSource.getRepository(PolicyEntity).create({
      name: dto.name,
      description: dto.description ?? '',
      tags: [...new Set(dto.target.tags ?? [])],
      groupIds: [...new Set(dto.target.groupIds ?? [])],
      createdBy: actor.userId,
      createdByEmail: actor.email,
    });
    const scheduleIds = [...new Set(dto.scheduleIds)];
    const checkIds = [...new Set(dto.checkIds ?? [])];
    await this.validate(p, scheduleIds, checkIds);
    const saved = await this.save(p, async (m) => {
      const row = await m.save(PolicyEntity, p);
      await this.link(m, row.id, scheduleIds);
      await this.linkChecks(m, row.id, checkIds);
      if (checkIds.length > 0) await this.checks.targetsChanged(m);
      await this.record(m, actor, 'policies.create', row.id, describe(row, scheduleIds, checkIds));
      return row;
    });
    return this.get(saved.id);
  }

  async update(actor: Actor, id: string, dto: UpdatePolicyDto): Promise<PolicyResponse> {
    const p = await this.getEntity(id);
    const before = describe(
      p,
      await this.scheduleIdsOf(this.dataSource.manager, id),
      await this.checkIdsOf(this.dataSource.manager, id),
    );
    if (dto.name !== undefined) p.name = dto.name;
    if (dto.description !== undefined) p.description = dto.description;
    if (dto.target !== undefined) {
      p.tags = [...new Set(dto.target.tags ?? [])];
      p.groupIds = [...new Set(dto.target.groupIds ?? [])];
    }
    // Not given: the current list, less schedules deleted since (a link has no foreign key).
    const scheduleIds = dto.scheduleIds
      ? [...new Set(dto.scheduleIds)]
      : [...(await this.schedules.summaries(before.scheduleIds)).keys()].sort();
    const checkIds = dto.checkIds
      ? [...new Set(dto.checkIds)]
      : [...(await this.checks.summaries(before.checkIds)).keys()].sort();
    p.updatedAt = new Date();
    await this.validate(p, scheduleIds, checkIds);
    await this.save(p, async (m) => {
      // Locked: two edits of one policy's schedules never interleave their link rows.
      const locked = await m.findOne(PolicyEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!locked) throw new PolicyNotFoundException(id);
      const row = await m.save(PolicyEntity, p);
      await m.delete(PolicyScheduleEntity, { policyId: id });
      await this.link(m, id, scheduleIds);
      await m.delete(PolicyCheckEntity, { policyId: id });
      await this.linkChecks(m, id, checkIds);
      // Its checks (before or after) may now cover other devices: their agents are re-served.
      if (before.checkIds.length > 0 || checkIds.length > 0) await this.checks.targetsChanged(m);
      await this.record(m, actor, 'policies.update', id, {
        before,
        after: describe(row, scheduleIds, checkIds),
      });
      return row;
    });
    return this.get(id);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const p = await m.findOneBy(PolicyEntity, { id });
      if (!p) throw new PolicyNotFoundException(id);
      const scheduleIds = await this.scheduleIdsOf(m, id);
      const checkIds = await this.checkIdsOf(m, id);
      await m.delete(PolicyEntity, { id });
      if (checkIds.length > 0) await this.checks.targetsChanged(m);
      await this.record(m, actor, 'policies.delete', id, describe(p, scheduleIds, checkIds));
    });
  }

  /** Every policy that applies to the device now, with each group or tag it matched by. */
  async forDevice(deviceId: string): Promise<DevicePolicy[]> {
    const device = await this.devices.get(deviceId);
    const groupId = device.group?.id ?? null;
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM automation_policy
       WHERE ($1::text IS NOT NULL AND group_ids @> jsonb_build_array($1::text))
          OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(tags) AS t(tag)
                     WHERE t.tag = ANY($2::text[]))
       ORDER BY lower(name), id`,
      [groupId, device.tags],
    );
    if (rows.length === 0) return [];
    const policies = await this.dataSource
      .getRepository(PolicyEntity)
      .findBy({ id: In(rows.map((r) => r.id)) });
    const order = new Map(rows.map((r, i) => [r.id, i]));
    policies.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    const lookups = await this.lookups(policies.map((p) => p.id));
    const tags = new Set(device.tags);
    return policies.map((p) => {
      const matchedBy: PolicyMatch[] = [];
      if (device.group && p.groupIds.includes(device.group.id))
        matchedBy.push({ kind: 'group', group: device.group });
      for (const tag of p.tags) if (tags.has(tag)) matchedBy.push({ kind: 'tag', tag });
      return {
        policy: { id: p.id, name: p.name, description: p.description },
        matchedBy,
        schedules: this.schedulesOf(p.id, lookups),
        checks: this.checksOf(p.id, lookups),
      };
    });
  }

  private async save(
    p: PolicyEntity,
    work: (m: EntityManager) => Promise<PolicyEntity>,
  ): Promise<PolicyEntity> {
    try {
      return await this.dataSource.transaction(work);
    } catch (e) {
      if (isUniqueViolation(e, 'UQ_automation_policy_name'))
        throw new PolicyNameTakenException(p.name);
      throw e;
    }
  }

  private async link(m: EntityManager, policyId: string, scheduleIds: string[]): Promise<void> {
    if (scheduleIds.length === 0) return;
    await m.query(
      `INSERT INTO automation_policy_schedule (policy_id, schedule_id)
       SELECT $1, unnest($2::uuid[])`,
      [policyId, scheduleIds],
    );
  }

  private async linkChecks(m: EntityManager, policyId: string, checkIds: string[]) {
    if (checkIds.length === 0) return;
    await m.query(
      `INSERT INTO automation_policy_check (policy_id, check_id) SELECT $1, unnest($2::uuid[])`,
      [policyId, checkIds],
    );
  }

  private async checkIdsOf(m: EntityManager, policyId: string): Promise<string[]> {
    const rows = await m.find(PolicyCheckEntity, { where: { policyId } });
    return rows.map((r) => r.checkId).sort();
  }

  private async scheduleIdsOf(m: EntityManager, policyId: string): Promise<string[]> {
    const rows = await m.find(PolicyScheduleEntity, { where: { policyId } });
    return rows.map((r) => r.scheduleId).sort();
  }

  /** Checked before the transaction: the embedded engine serves one connection. */
  private async validate(p: PolicyEntity, scheduleIds: string[], checkIds: string[]) {
    if (p.tags.length === 0 && p.groupIds.length === 0)
      throw new PolicyInvalidException(
        'target must name at least one group or tag the policy is attached to',
      );
    for (const id of p.groupIds)
      if (!(await this.groups.groupExists(id)))
        throw new PolicyInvalidException(`target.groupIds: no group with id ${id}`);
    const found = await this.schedules.summaries(scheduleIds);
    const missing = scheduleIds.filter((id) => !found.has(id));
    if (missing.length > 0)
      throw new PolicyInvalidException(`scheduleIds: no schedule with id ${missing.join(', ')}`);
    const checks = await this.checks.summaries(checkIds);
    const unknown = checkIds.filter((id) => !checks.has(id));
    if (unknown.length > 0)
      throw new PolicyInvalidException(`checkIds: no agent check with id ${unknown.join(', ')}`);
    const [clash] = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM automation_policy WHERE lower(name) = lower($1) AND id IS DISTINCT FROM $2`,
      [p.name, p.id ?? null],
    );
    if (clash) throw new PolicyNameTakenException(p.name);
  }

  private async lookups(policyIds: string[]): Promise<Lookups> {
    const [linkRows, checkRows] =
      policyIds.length === 0
        ? [[], []]
        : [
            await this.dataSource
              .getRepository(PolicyScheduleEntity)
              .findBy({ policyId: In(policyIds) }),
            await this.dataSource
              .getRepository(PolicyCheckEntity)
              .findBy({ policyId: In(policyIds) }),
          ];
    const links = byPolicy(linkRows, (r) => r.scheduleId);
    const checkLinks = byPolicy(checkRows, (r) => r.checkId);
    const schedules = await this.schedules.summaries([
      ...new Set(linkRows.map((r) => r.scheduleId)),
    ]);
    const checks = await this.checks.summaries([...new Set(checkRows.map((r) => r.checkId))]);
    const groups = new Map((await this.groups.listGroups()).map((g) => [g.id, g.name]));
    return { groups, links, schedules, checkLinks, checks };
  }

  private schedulesOf(policyId: string, l: Lookups): PolicySchedule[] {
    return (l.links.get(policyId) ?? [])
      .flatMap((id) => {
        const s = l.schedules.get(id);
        return s ? [s] : [];
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  /** A check deleted since is left out (its link goes with the policy's next edit). */
  private checksOf(policyId: string, l: Lookups): AgentCheckSummary[] {
    return (l.checkLinks.get(policyId) ?? [])
      .flatMap((id) => {
        const c = l.checks.get(id);
        return c ? [c] : [];
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  private toResponse(p: PolicyEntity, l: Lookups): PolicyResponse {
    return {
      id: p.id,
      name: p.name,
      description: p.description,
      target: {
        tags: p.tags,
        // A group deleted since is left out: it matches no device any more.
        groups: p.groupIds.flatMap((id) => {
          const name = l.groups.get(id);
          return name ? [{ id, name }] : [];
        }),
      },
      schedules: this.schedulesOf(p.id, l),
      checks: this.checksOf(p.id, l),
      createdBy: { id: p.createdBy, email: p.createdByEmail },
      createdAt: p.createdAt.toISOString(),
      updatedAt: new Date(p.updatedAt).toISOString(),
    };
  }

  private async getEntity(id: string): Promise<PolicyEntity> {
    const p = await this.dataSource.getRepository(PolicyEntity).findOneBy({ id });
    if (!p) throw new PolicyNotFoundException(id);
    return p;
  }

  private record(
    m: EntityManager,
    actor: Actor,
    action: string,
    id: string,
    details: Record<string, unknown>,
  ) {
    return this.audit.record(m, actor, { action, targetType: 'policy', targetId: id, details });
  }
}
