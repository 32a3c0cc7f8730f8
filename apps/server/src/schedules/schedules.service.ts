import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  Page,
  PolicySchedule,
  ScheduleHistoryItem,
  SchedulePreviewResponse,
  ScheduleResponse,
} from '@fleetdesk/api-types';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import type { PageQueryDto } from '../common/pagination';
import { describeTarget } from '../devices/dto/target.dto';
import { DevicesService } from '../devices/devices.service';
import { JobsService } from '../jobs/jobs.service';
import { Clock } from './clock';
import type { CreateScheduleDto, PreviewWhenDto, UpdateScheduleDto } from './dto/schedule.dto';
import { toScheduleResponse } from './schedule-response';
import { checkWhen, nextOccurrences } from './schedule-times';
import { nextDue, type ZonedSchedule, zoneSetKey, zonesOf } from './schedule-zones';
import { ScheduleEntity, ScheduleOccurrenceEntity } from './schedule.entity';
import { ScheduleInvalidException, ScheduleNotFoundException } from './schedules.exceptions';

/** What an audit entry keeps of a schedule: enough to tell what changed, no secret values. */
function describe(s: ScheduleEntity): Record<string, unknown> {
  return {
    name: s.name,
    cron: s.cron,
    runAt: s.runAt,
    zoneMode: s.zoneMode,
    timeZone: s.timeZone,
    catchUp: s.catchUp,
    offlinePolicy: s.offlinePolicy,
    spreadMinutes: s.spreadMinutes,
    target: describeTarget(s.template.target),
    script: s.template.script
      ? { id: s.template.script.id, version: s.template.script.version ?? null }
      : null,
    command: s.template.command ? { language: s.template.command.language } : null,
  };
}

function applyUpdate(s: ScheduleEntity, dto: UpdateScheduleDto): ScheduleEntity {
  if (dto.name !== undefined) s.name = dto.name;
  if (dto.job !== undefined) s.template = dto.job;
  if (dto.cron !== undefined) [s.cron, s.runAt] = [dto.cron, null];
  if (dto.runAt !== undefined) [s.cron, s.runAt] = [null, dto.runAt];
  if (dto.zoneMode !== undefined) s.zoneMode = dto.zoneMode;
  if (dto.timeZone !== undefined) s.timeZone = dto.timeZone;
  if (dto.catchUp !== undefined) s.catchUp = dto.catchUp;
  if (dto.offlinePolicy !== undefined) s.offlinePolicy = dto.offlinePolicy;
  if (dto.spreadMinutes !== undefined) s.spreadMinutes = dto.spreadMinutes;
  return s;
}

/** Schedules as technicians manage them; firing is SchedulerService's. */
@Injectable()
export class SchedulesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly jobs: JobsService,
    private readonly devices: DevicesService,
    private readonly clock: Clock,
  ) {}

  async create(actor: Actor, dto: CreateScheduleDto): Promise<ScheduleResponse> {
    const s = this.dataSource.getRepository(ScheduleEntity).create({
      name: dto.name,
      template: dto.job,
      cron: dto.cron ?? null,
      runAt: dto.runAt ?? null,
      zoneMode: dto.zoneMode,
      timeZone: dto.timeZone ?? 'UTC',
      catchUp: dto.catchUp ?? 'once',
      offlinePolicy: dto.offlinePolicy ?? 'run_when_back',
      spreadMinutes: dto.spreadMinutes ?? 0,
      paused: false,
      createdBy: actor.userId,
      createdByEmail: actor.email,
    });
    await this.validate(s);
    await this.reschedule(s, this.clock.now());
    const saved = await this.dataSource.transaction(async (m) => {
      const row = await m.save(ScheduleEntity, s);
      await this.record(m, actor, 'schedules.create', row, describe(row));
      return row;
    });
    return toScheduleResponse(saved);
  }

  async list(q: PageQueryDto): Promise<Page<ScheduleResponse>> {
    const [rows, total] = await this.dataSource.getRepository(ScheduleEntity).findAndCount({
      order: { createdAt: 'DESC', id: 'DESC' },
      skip: (q.page - 1) * q.pageSize,
      take: q.pageSize,
    });
    return { items: rows.map(toScheduleResponse), total, page: q.page, pageSize: q.pageSize };
  }

  async get(id: string): Promise<ScheduleResponse> {
    return toScheduleResponse(await this.getEntity(id));
  }

  async update(actor: Actor, id: string, dto: UpdateScheduleDto): Promise<ScheduleResponse> {
    if (dto.cron !== undefined && dto.runAt !== undefined)
      throw new ScheduleInvalidException('Give either `cron` or `runAt`, not both');
    // Checked before the row is locked: the checks read other tables, and the embedded
    // engine serves one connection, which the locking transaction holds.
    const draft = applyUpdate(await this.getEntity(id), dto);
    await this.validate(draft);
    const zones = await this.deviceZones(draft);
    const saved = await this.dataSource.transaction(async (m) => {
      const s = await this.lock(m, id);
      const before = describe(s);
      applyUpdate(s, dto);
      // A changed "when" starts from now: occurrences of the old timing are not caught up.
      this.rescheduleWith(s, this.clock.now(), zones);
      s.updatedAt = this.clock.now();
      const row = await m.save(ScheduleEntity, s);
      await this.record(m, actor, 'schedules.update', row, { before, after: describe(row) });
      return row;
    });
    return toScheduleResponse(saved);
  }

  async setPaused(actor: Actor, id: string, paused: boolean): Promise<ScheduleResponse> {
    const zones = await this.deviceZones(await this.getEntity(id));
    const saved = await this.dataSource.transaction(async (m) => {
      const s = await this.lock(m, id);
      if (s.paused !== paused) {
        s.paused = paused;
        // Resuming does not fire what fell due while paused: those occurrences were paused.
        if (!paused) this.rescheduleWith(s, this.clock.now(), zones);
        s.updatedAt = this.clock.now();
        await m.save(ScheduleEntity, s);
      }
      await this.record(m, actor, paused ? 'schedules.pause' : 'schedules.resume', s, {
        name: s.name,
      });
      return s;
    });
    return toScheduleResponse(saved);
  }

  async remove(actor: Actor, id: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const s = await this.lock(m, id);
      await m.delete(ScheduleEntity, { id });
      await this.record(m, actor, 'schedules.delete', s, describe(s));
    });
  }

  async preview(id: string, count: number): Promise<SchedulePreviewResponse> {
    return this.previewOf(await this.getEntity(id), count);
  }

  /** The same preview for a timing not saved yet (a form showing it as one types). */
  async previewWhen(dto: PreviewWhenDto): Promise<SchedulePreviewResponse> {
    const s = {
      cron: dto.cron ?? null,
      runAt: dto.runAt ?? null,
      zoneMode: dto.zoneMode,
      timeZone: dto.timeZone ?? 'UTC',
    };
    this.checkTiming(s);
    return this.previewOf(s, dto.count);
  }

  private async previewOf(s: ZonedSchedule, count: number): Promise<SchedulePreviewResponse> {
    const zones = zonesOf(s, s.zoneMode === 'device' ? await this.devices.knownTimeZones() : []);
    const from = this.clock.now();
    const all = zones.flatMap((zone) =>
      nextOccurrences(s, zone, from, count).map((at) => ({ at, zone })),
    );
    all.sort((a, b) => a.at.getTime() - b.at.getTime() || a.zone.localeCompare(b.zone));
    return {
      zones,
      occurrences: all.slice(0, count).map((o) => ({ at: o.at.toISOString(), zone: o.zone })),
    };
  }

  async history(id: string, q: PageQueryDto): Promise<Page<ScheduleHistoryItem>> {
    await this.getEntity(id);
    const [rows, total] = await this.dataSource
      .getRepository(ScheduleOccurrenceEntity)
      .findAndCount({
        where: { scheduleId: id },
        order: { occurrenceAt: 'DESC', zone: 'ASC' },
        skip: (q.page - 1) * q.pageSize,
        take: q.pageSize,
      });
    const jobs = await this.jobs.summaries(rows.flatMap((r) => (r.jobId ? [r.jobId] : [])));
    return {
      items: rows.map((r) => {
        const job = r.jobId ? jobs.get(r.jobId) : undefined;
        return {
          occurrenceAt: r.occurrenceAt.toISOString(),
          zone: r.zone,
          status: r.status,
          reason: r.reason,
          devices: r.devices,
          claimedAt: r.claimedAt.toISOString(),
          job: r.jobId && job ? { id: r.jobId, ...job } : null,
        };
      }),
      total,
      page: q.page,
      pageSize: q.pageSize,
    };
  }

  /** Name, state and next firing of these schedules, by id (ids that do not exist are absent). */
  async summaries(ids: readonly string[]): Promise<Map<string, PolicySchedule>> {
    if (ids.length === 0) return new Map();
    const rows = await this.dataSource
      .getRepository(ScheduleEntity)
      .find({ where: { id: In([...ids]) }, order: { name: 'ASC', id: 'ASC' } });
    return new Map(
      rows.map((s) => {
        const r = toScheduleResponse(s);
        return [s.id, { id: s.id, name: s.name, paused: s.paused, nextDueAt: r.nextDueAt }];
      }),
    );
  }

  /** Sets the watermark to `now` and the next due time over the zones in use now. */
  async reschedule(s: ScheduleEntity, now: Date): Promise<void> {
    this.rescheduleWith(s, now, await this.deviceZones(s));
  }

  private rescheduleWith(s: ScheduleEntity, now: Date, deviceZones: string[]): void {
    s.evaluatedUntil = now;
    s.nextDueAt = nextDue(s, zonesOf(s, deviceZones), now);
    s.zoneSetKey = s.zoneMode === 'device' ? zoneSetKey(deviceZones) : null;
  }

  private async deviceZones(s: ScheduleEntity): Promise<string[]> {
    return s.zoneMode === 'device' ? this.devices.knownTimeZones() : [];
  }

  async getEntity(id: string): Promise<ScheduleEntity> {
    const s = await this.dataSource.getRepository(ScheduleEntity).findOneBy({ id });
    if (!s) throw new ScheduleNotFoundException(id);
    return s;
  }

  private async lock(m: EntityManager, id: string): Promise<ScheduleEntity> {
    const s = await m.findOne(ScheduleEntity, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!s) throw new ScheduleNotFoundException(id);
    return s;
  }

  /**
   * The same checks as `POST /api/jobs` (script exists, params fit it, target not empty), so
   * a technician schedules only what they could run now; and a usable cron and zone.
   */
  private async validate(s: ScheduleEntity): Promise<void> {
    this.checkTiming(s);
    await this.jobs.checkTemplate(s.template);
  }

  private checkTiming(s: ZonedSchedule): void {
    if (Boolean(s.cron) === Boolean(s.runAt))
      throw new ScheduleInvalidException('Give exactly one of `cron` or `runAt`');
    // Minute resolution: a seconds field would let one schedule make a job every second.
    if (s.cron && !s.cron.startsWith('@') && s.cron.trim().split(/\s+/).length !== 5)
      throw new ScheduleInvalidException(
        'cron must have 5 fields (minute hour day-of-month month day-of-week), or be like @daily',
      );
    try {
      checkWhen(s, s.timeZone);
    } catch (e) {
      throw new ScheduleInvalidException(
        `${s.cron ? 'cron' : 'runAt'} is not usable: ${(e as Error).message}`,
      );
    }
  }

  private record(
    m: EntityManager,
    actor: Actor,
    action: string,
    s: ScheduleEntity,
    details: Record<string, unknown>,
  ) {
    return this.audit.record(m, actor, {
      action,
      targetType: 'schedule',
      targetId: s.id,
      details,
    });
  }
}
