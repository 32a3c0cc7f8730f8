import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AGENT_CHECK_LIMITS as L,
  type AgentCheckResponse,
  type AgentCheckStateResponse,
  type AgentCheckSummary,
  AGENT_CHECK_KIND_FIELDS,
  agentCheckProblem,
  type Page,
} from '@fleetdesk/api-types';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { type DeviceFacets, DevicesService } from '../devices/devices.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import {
  AgentCheckEntity,
  type StateRow,
  toAgentCheckResponse,
  toStateResponse,
} from './agent-check.entity';
import { AgentCheckInvalidException, AgentCheckNotFoundException } from './agent-checks.exceptions';
import { agentCheckSubject, checkApplies } from './check-targets';
import type { CreateAgentCheckDto, UpdateAgentCheckDto } from './dto/agent-check.dto';

/** What an audit entry keeps of a check (the script's text included: it runs on devices). */
function describe(c: AgentCheckEntity): Record<string, unknown> {
  const { id: _id, createdAt: _c, updatedAt: _u, createdBy: _b, ...rest } = c;
  return rest;
}

const OPTIONAL_FIELDS = [
  'thresholdPercent',
  'mount',
  'service',
  'process',
  'host',
  'port',
  'language',
  'script',
] as const;

/**
 * Agent checks as technicians manage them. Every change bumps `agent_check_revision` in its
 * transaction; each server process watches it and pushes the new sets to the agents it holds
 * (AgentCheckDelivery).
 */
@Injectable()
export class AgentChecksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly devices: DevicesService,
  ) {}

  async create(actor: Actor, dto: CreateAgentCheckDto): Promise<AgentCheckResponse> {
    const row = this.dataSource.getRepository(AgentCheckEntity).create({
      name: dto.name,
      kind: dto.kind,
      targetAll: dto.target.all ?? false,
      targetDeviceIds: [...new Set(dto.target.deviceIds ?? [])],
      targetGroupIds: [...new Set(dto.target.groupIds ?? [])],
      targetTags: [...new Set(dto.target.tags ?? [])],
      intervalSeconds: dto.intervalSeconds ?? L.intervalSeconds.default,
      timeoutSeconds: dto.timeoutSeconds ?? L.timeoutSeconds.default,
      durationSeconds: dto.durationSeconds ?? L.durationSeconds.default,
      severity: dto.severity ?? 'critical',
      failThreshold: dto.failThreshold ?? 1,
      successThreshold: dto.successThreshold ?? 1,
      enabled: dto.enabled ?? true,
      createdBy: actor.userId,
    });
    for (const f of OPTIONAL_FIELDS)
      (row as unknown as Record<string, unknown>)[f] = dto[f] ?? null;
    this.settle(row);
    const saved = await this.dataSource.transaction(async (m) => {
      const c = await m.save(AgentCheckEntity, row);
      await this.bump(m);
      await this.record(m, actor, 'agent_checks.create', c, describe(c));
      return c;
    });
    return toAgentCheckResponse(saved);
  }

  async list(q: PageQueryDto): Promise<Page<AgentCheckResponse>> {
    const [rows, total] = await this.dataSource.getRepository(AgentCheckEntity).findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    return { items: rows.map(toAgentCheckResponse), total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<AgentCheckResponse> {
    return toAgentCheckResponse(await this.getEntity(id));
  }

  async update(actor: Actor, id: string, dto: UpdateAgentCheckDto): Promise<AgentCheckResponse> {
    const saved = await this.dataSource.transaction(async (m) => {
      const c = await m.findOne(AgentCheckEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (!c) throw new AgentCheckNotFoundException(id);
      const before = describe(c);
      const { target, ...rest } = dto;
      for (const [k, v] of Object.entries(rest))
        if (v !== undefined) (c as unknown as Record<string, unknown>)[k] = v;
      if (target) {
        c.targetAll = target.all ?? false;
        c.targetDeviceIds = [...new Set(target.deviceIds ?? [])];
        c.targetGroupIds = [...new Set(target.groupIds ?? [])];
        c.targetTags = [...new Set(target.tags ?? [])];
      }
      this.settle(c);
      c.updatedAt = new Date();
      const row = await m.save(AgentCheckEntity, c);
      await this.bump(m);
      await this.record(m, actor, 'agent_checks.update', row, { before, after: describe(row) });
      return row;
    });
    // Disabled: its open alerts resolve rather than stay forever. (A device left out of a
    // changed target is ended by AgentCheckDelivery once the revision moves: dropStates.)
    if (!saved.enabled) await this.closeAlerts(id);
    return toAgentCheckResponse(saved);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    const devices = await this.dataSource.transaction(async (m) => {
      const c = await m.findOneBy(AgentCheckEntity, { id });
      if (!c) throw new AgentCheckNotFoundException(id);
      const states = await m.query<{ device_id: string }[]>(
        `SELECT device_id FROM agent_check_state WHERE check_id = $1`,
        [id],
      );
      await m.delete(AgentCheckEntity, { id });
      await this.bump(m);
      await this.record(m, actor, 'agent_checks.delete', c, { name: c.name, kind: c.kind });
      return states.map((s) => s.device_id);
    });
    for (const d of devices) await this.alerts.closeSubject(agentCheckSubject(id, d));
  }

  /** The check's last state on each device it runs on, unhealthy first. */
  async states(id: string, q: PageQueryDto): Promise<Page<AgentCheckStateResponse>> {
    await this.getEntity(id);
    return this.statePage(`s.check_id = $1`, id, q);
  }

  /** Every check's last state on one device. */
  async deviceStates(deviceId: string, q: PageQueryDto): Promise<Page<AgentCheckStateResponse>> {
    return this.statePage(`s.device_id = $1`, deviceId, q);
  }

  private async statePage(
    where: string,
    id: string,
    q: PageQueryDto,
  ): Promise<Page<AgentCheckStateResponse>> {
    // Counted first: a state written between the two reads then shows in the page rather
    // than being counted and missing from it (a total of 1 with no item).
    const [{ n }] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM agent_check_state s WHERE ${where}`,
      [id],
    );
    const rows = await this.dataSource.query<StateRow[]>(
      `SELECT s.check_id, c.name AS check_name, c.kind AS check_kind, s.device_id, s.status,
              s.message, s.value, s.at
       FROM agent_check_state s JOIN agent_check c ON c.id = s.check_id WHERE ${where}
       ORDER BY (s.status = 'ok'), s.device_id, s.check_id OFFSET $2 LIMIT $3`,
      [id, (q.page - 1) * q.pageSize, q.pageSize],
    );
    // Names through the devices module: its table is its own.
    const facets = await this.devices.facetsOf([...new Set(rows.map((r) => r.device_id))]);
    return {
      items: rows.map((r) => toStateResponse(r, facets.get(r.device_id)?.name ?? null)),
      total: n,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /**
   * Clears what the kind does not use, then enforces the shared rules. A check that names no
   * device is allowed: it runs only where an automation policy carries it.
   */
  private settle(c: AgentCheckEntity): void {
    const keep = new Set<string>(AGENT_CHECK_KIND_FIELDS[c.kind]);
    for (const f of OPTIONAL_FIELDS)
      if (!keep.has(f)) (c as unknown as Record<string, unknown>)[f] = null;
    const problem = agentCheckProblem(
      toAgentCheckResponse({ ...c, createdAt: new Date(), updatedAt: new Date() }),
    );
    if (problem) throw new AgentCheckInvalidException(problem);
  }

  private async closeAlerts(id: string): Promise<void> {
    const states = await this.dataSource.query<{ device_id: string }[]>(
      `SELECT device_id FROM agent_check_state WHERE check_id = $1`,
      [id],
    );
    for (const s of states) await this.alerts.closeSubject(agentCheckSubject(id, s.device_id));
  }

  /**
   * Ends each of these (check, device) pairs: the check no longer takes the device in (it
   * left the check's tags, group or policy), so it stops reporting and nothing would resolve
   * its alert. Claimed by the DELETE: when several processes find the same pairs, each state
   * is deleted, and its alert closed, by one of them.
   */
  async dropStates(pairs: { checkId: string; deviceId: string }[]): Promise<number> {
    if (pairs.length === 0) return 0;
    const [rows] = await this.dataSource.query<[{ check_id: string; device_id: string }[], number]>(
      `DELETE FROM agent_check_state s
       USING unnest($1::uuid[], $2::uuid[]) AS p(check_id, device_id)
       WHERE s.check_id = p.check_id AND s.device_id = p.device_id
       RETURNING s.check_id, s.device_id`,
      [pairs.map((p) => p.checkId), pairs.map((p) => p.deviceId)],
    );
    for (const r of rows)
      await this.alerts.closeSubject(agentCheckSubject(r.check_id, r.device_id));
    return rows.length;
  }

  /** The (check, device) pairs with a state, for devices after `afterDeviceId`, by device. */
  async statePairs(
    afterDeviceId: string,
    devices: number,
  ): Promise<{ deviceIds: string[]; pairs: { checkId: string; deviceId: string }[] }> {
    const rows = await this.dataSource.query<{ check_id: string; device_id: string }[]>(
      `SELECT s.check_id, s.device_id FROM agent_check_state s
       WHERE s.device_id IN (SELECT DISTINCT device_id FROM agent_check_state
                             WHERE device_id > $1 ORDER BY device_id LIMIT $2)
       ORDER BY s.device_id`,
      [afterDeviceId, devices],
    );
    return {
      deviceIds: [...new Set(rows.map((r) => r.device_id))],
      pairs: rows.map((r) => ({ checkId: r.check_id, deviceId: r.device_id })),
    };
  }

  /**
   * Some checks' targets widened or narrowed without a check changing (a policy's checks or
   * groups and tags, a device's tags or group): in the caller's transaction where it has one,
   * so every process re-derives its agents' sets once the change is committed.
   */
  targetsChanged(m: EntityManager): Promise<void> {
    return this.bump(m);
  }

  /** Name, kind and whether enabled, of each of these checks that exists, by id. */
  async summaries(ids: string[]): Promise<Map<string, AgentCheckSummary>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource.getRepository(AgentCheckEntity).find({
      where: { id: In(ids) },
      select: { id: true, name: true, kind: true, enabled: true },
    });
    return new Map(
      rows.map((c) => [c.id, { id: c.id, name: c.name, kind: c.kind, enabled: c.enabled }]),
    );
  }

  /**
   * Whether devices named this way (ids, groups, tags: the shape of an agent check's target)
   * take in a device. Other features that run something on chosen devices (website checks
   * run from devices) choose them by the same rule.
   */
  targetApplies(
    target: { deviceIds: readonly string[]; groupIds: readonly string[]; tags: readonly string[] },
    deviceId: string,
    facets: DeviceFacets,
  ): boolean {
    return checkApplies(
      {
        targetAll: false,
        targetDeviceIds: [...target.deviceIds],
        targetGroupIds: [...target.groupIds],
        targetTags: [...target.tags],
      },
      deviceId,
      facets,
    );
  }

  /**
   * Moves whenever checks' targets may have changed, devices' tags and groups included (from
   * any process): a feature caching which devices a target takes in re-derives when it moves.
   */
  async targetsRevision(): Promise<number> {
    const [{ revision }] = await this.dataSource.query<{ revision: string }[]>(
      `SELECT revision::text AS revision FROM agent_check_revision WHERE id = 1`,
    );
    return Number(revision);
  }

  private async bump(m: EntityManager): Promise<void> {
    await m.query(`UPDATE agent_check_revision SET revision = revision + 1 WHERE id = 1`);
  }

  private async getEntity(id: string): Promise<AgentCheckEntity> {
    const c = await this.dataSource.getRepository(AgentCheckEntity).findOneBy({ id });
    if (!c) throw new AgentCheckNotFoundException(id);
    return c;
  }

  private record(
    m: EntityManager,
    actor: Actor,
    action: string,
    c: AgentCheckEntity,
    details: Record<string, unknown>,
  ) {
    return this.audit.record(m, actor, {
      action,
      targetType: 'agent_check',
      targetId: c.id,
      details,
    });
  }
}
