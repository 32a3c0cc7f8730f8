import { Injectable } from '@nestjs/common';
import type { JobTarget } from '@fleetdesk/api-types';
import type { EntityManager } from 'typeorm';

/**
 * Another feature that widens a schedule's target at fire time (automation policies: a
 * policy's groups and tags). Registered by that feature, so the schedules module does not
 * import it. Reads through the caller's EntityManager: it runs inside the firing transaction.
 */
export interface ScheduleTargetSource {
  extraTargets(m: EntityManager, scheduleId: string): Promise<JobTarget[]>;
}

/** The sources registered; the scheduler fires on the schedule's target plus theirs. */
@Injectable()
export class ScheduleTargetSources {
  private readonly sources: ScheduleTargetSource[] = [];

  register(source: ScheduleTargetSource): void {
    this.sources.push(source);
  }

  async extraTargets(m: EntityManager, scheduleId: string): Promise<JobTarget[]> {
    const out: JobTarget[] = [];
    for (const source of this.sources) out.push(...(await source.extraTargets(m, scheduleId)));
    return out;
  }
}
