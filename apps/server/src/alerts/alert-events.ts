import { Injectable } from '@nestjs/common';
import type { AlertsChangedEvent } from '@fleetdesk/api-types';
import { TypedEvents } from '../common/typed-events';

/** Relayed to consoles as `alerts.changed`, after the change is committed. */
export type AlertEventMap = {
  changed: [AlertsChangedEvent];
};

/** In-process, like DeviceEvents: the Redis bus of the scale-out issue will fan it out. */
@Injectable()
export class AlertEvents extends TypedEvents<AlertEventMap> {}
