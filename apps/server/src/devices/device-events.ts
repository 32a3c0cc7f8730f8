import { Injectable } from '@nestjs/common';
import { TypedEvents } from '../common/typed-events';
import type { HeartbeatBody } from '@fleetdesk/protocol';
import type { DeviceStatus } from './device.entity';

export type DeviceEventMap = {
  status: [{ deviceId: string; status: DeviceStatus; at: string }];
  metrics: [{ deviceId: string; metrics: HeartbeatBody; at: string }];
  changed: [{ deviceId: string }];
  /** The device may no longer connect: live sockets must close now. */
  revoked: [{ deviceId: string }];
};

/**
 * Device happenings, for the gateways to act on (close a revoked device's socket, push a
 * status change to consoles). In-process for now; the Redis bus of the scale-out issue will
 * fan the same events across replicas.
 */
@Injectable()
export class DeviceEvents extends TypedEvents<DeviceEventMap> {}
