import type { ScheduleResponse } from '@fleetdesk/api-types';
import type { ScheduleEntity } from './schedule.entity';

export function toScheduleResponse(s: ScheduleEntity): ScheduleResponse {
  return {
    id: s.id,
    name: s.name,
    job: s.template,
    cron: s.cron,
    runAt: s.runAt,
    zoneMode: s.zoneMode,
    timeZone: s.timeZone,
    catchUp: s.catchUp,
    offlinePolicy: s.offlinePolicy,
    spreadMinutes: s.spreadMinutes,
    paused: s.paused,
    nextDueAt: s.paused ? null : (s.nextDueAt?.toISOString() ?? null),
    createdBy: { id: s.createdBy, email: s.createdByEmail },
    createdAt: s.createdAt.toISOString(),
    updatedAt: new Date(s.updatedAt).toISOString(),
  };
}
