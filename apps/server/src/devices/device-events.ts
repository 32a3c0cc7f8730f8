import { Injectable } from '@nestjs/common';
import { TypedEvents } from '../common/typed-events';
import type {
  DeviceChangedEvent,
  DeviceMetricsEvent,
  DeviceStatusEvent,
} from '@fleetdesk/api-types';

/** The first three are relayed to consoles as they are (device.status, .metrics, .changed). */
export type DeviceEventMap = {
  status: [DeviceStatusEvent];
  metrics: [DeviceMetricsEvent];
  changed: [DeviceChangedEvent];
  /**
   * A technician changed these devices' tags or group (what check and policy targets match
   * on); relayed to consoles as `changed` besides, per device.
   */
  facets: [{ deviceIds: string[] }];
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
