import { Injectable } from '@nestjs/common';
import {
  DEVICE_HTTP_AUTH_WINDOW_MS,
  deviceHttpAuthPayload,
  parseDeviceHttpAuthorization,
  verifyPayload,
} from '@fleetdesk/protocol';
import { DeviceTelemetryService } from '../devices/device-telemetry.service';
import { DeviceAuthFailedException } from './agent-updates.exceptions';

/**
 * A device's own HTTP requests (fetching an agent build), signed with its device key like its
 * socket handshake: `Authorization: FleetdeskDevice <id>.<ms>.<sig>` over the method, path
 * and time. Accepted within five minutes of this server's clock; a replay inside that window
 * can only fetch the same build again.
 */
@Injectable()
export class DeviceHttpAuthService {
  constructor(private readonly telemetry: DeviceTelemetryService) {}

  /** The device id, or DeviceAuthFailedException with the reason. */
  async verify(header: string | undefined, method: string, path: string): Promise<string> {
    const parsed = parseDeviceHttpAuthorization(header);
    if (!parsed) throw new DeviceAuthFailedException('expected a FleetdeskDevice authorization');
    if (Math.abs(Date.now() - parsed.at) > DEVICE_HTTP_AUTH_WINDOW_MS) {
      throw new DeviceAuthFailedException(
        "the request's time is more than five minutes off the server's clock",
      );
    }
    const identity = await this.telemetry.findIdentity(parsed.deviceId);
    if (!identity || identity.revoked) {
      throw new DeviceAuthFailedException('unknown or revoked device');
    }
    const payload = deviceHttpAuthPayload({
      deviceId: parsed.deviceId,
      method,
      path,
      at: parsed.at,
    });
    if (!verifyPayload(identity.publicKey, payload, parsed.signature)) {
      throw new DeviceAuthFailedException('the signature does not match the enrolled device key');
    }
    return parsed.deviceId;
  }
}
