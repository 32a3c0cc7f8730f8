import { Injectable } from '@nestjs/common';

/** What a maintenance window may need to decide whether an alert is muted. */
export interface MuteSubject {
  deviceId: string | null;
  checkId: string | null;
  groupId: string | null;
  tags: string[];
}

/**
 * MAINTENANCE-WINDOW HOOK. An alert that fires while this answers true is recorded with
 * `muted: true` and notifies nobody (its resolution neither). The maintenance-windows module
 * is meant to replace this provider (`{ provide: AlertMuteHook, useExisting: ... }` in
 * AlertsModule) with one that looks its windows up; until then nothing is muted.
 */
@Injectable()
export class AlertMuteHook {
  isMuted(_subject: MuteSubject, _at: Date): Promise<boolean> {
    return Promise.resolve(false);
  }
}
