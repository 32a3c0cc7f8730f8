import { Injectable } from '@nestjs/common';
import {
  DEVICE_HTTP_AUTH_WINDOW_MS,
  deviceHttpAuthPayload,
  parseDeviceHttpAuthorization,
  verifyPayloadAsync,
} from '@fleetdesk/protocol';
import { parsedPublicKey } from '../common/public-keys';
import { type DeviceIdentity, DeviceTelemetryService } from '../devices/device-telemetry.service';
import { DeviceAuthFailedException } from './agent-updates.exceptions';

/**
 * A device's own HTTP requests (fetching an agent build), signed with its device key like its
 * socket handshake: `Authorization: FleetdeskDevice <id>.<ms>.<sig>` over the method, path
 * and time. Accepted within five minutes of this server's clock; a replay inside that window
 * can only fetch the same build again.
 */
@Injectable()
export class DeviceHttpAuthService {
  /** Devices asked for while a lookup runs: they go together in the next one. */
  private waiting = new Map<string, ((identity: DeviceIdentity | null | Error) => void)[]>();
  private looking = false;

  constructor(private readonly telemetry: DeviceTelemetryService) {}

  /**
   * One query for all the identities asked for at about the same time: a thousand devices
   * uploading logs at once cost the database a few lookups, not a thousand. Never cached: a
   * revoked device is refused from the next lookup on.
   */
  private identity(deviceId: string): Promise<DeviceIdentity | null> {
    return new Promise((resolve, reject) => {
      const callbacks = this.waiting.get(deviceId) ?? [];
      callbacks.push((got) => (got instanceof Error ? reject(got) : resolve(got)));
      this.waiting.set(deviceId, callbacks);
      if (!this.looking) void this.lookup();
    });
  }

  private async lookup(): Promise<void> {
    this.looking = true;
    try {
      while (this.waiting.size > 0) {
        const batch = this.waiting;
        this.waiting = new Map();
        try {
          const found = await this.telemetry.findIdentities([...batch.keys()]);
          for (const [id, callbacks] of batch) {
            for (const callback of callbacks) callback(found.get(id) ?? null);
          }
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          for (const callbacks of batch.values()) for (const callback of callbacks) callback(error);
        }
      }
    } finally {
      this.looking = false;
    }
  }

  /** The device id, or DeviceAuthFailedException with the reason. */
  async verify(header: string | undefined, method: string, path: string): Promise<string> {
    const parsed = parseDeviceHttpAuthorization(header);
    if (!parsed) throw new DeviceAuthFailedException('expected a FleetdeskDevice authorization');
    if (Math.abs(Date.now() - parsed.at) > DEVICE_HTTP_AUTH_WINDOW_MS) {
      throw new DeviceAuthFailedException(
        "the request's time is more than five minutes off the server's clock",
      );
    }
    const identity = await this.identity(parsed.deviceId);
    if (!identity || identity.revoked) {
      throw new DeviceAuthFailedException('unknown or revoked device');
    }
    const payload = deviceHttpAuthPayload({
      deviceId: parsed.deviceId,
      method,
      path,
      at: parsed.at,
    });
    // In the thread pool: a fleet's uploads at once would otherwise queue behind each check.
    if (
      !(await verifyPayloadAsync(parsedPublicKey(identity.publicKey), payload, parsed.signature))
    ) {
      throw new DeviceAuthFailedException('the signature does not match the enrolled device key');
    }
    return parsed.deviceId;
  }
}
