import { Injectable } from '@nestjs/common';
import { MaintenanceWindowsService } from '../maintenance-windows/maintenance-windows.service';

/** What a maintenance window may need to decide whether an alert is muted. */
export interface MuteSubject {
  deviceId: string | null;
  checkId: string | null;
  groupId: string | null;
  tags: string[];
}

/**
 * An alert that fires while this answers true is recorded with `muted: true` and notifies
 * nobody (its resolution neither). Windows belong to devices (through their tags and groups),
 * so a device's alert is muted inside any of its open windows; a website check, seen from the
 * server, has none.
 */
@Injectable()
export class AlertMuteHook {
  constructor(private readonly windows: MaintenanceWindowsService) {}

  isMuted(subject: MuteSubject, at: Date): Promise<boolean> {
    if (!subject.deviceId) return Promise.resolve(false);
    return this.windows.isInWindow(subject.deviceId, at);
  }
}
