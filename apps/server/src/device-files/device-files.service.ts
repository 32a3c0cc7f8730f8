import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import {
  DEVICE_FILES_RULES,
  type DeviceFileEntry,
  type DeviceFilesResponse,
  pathSeparatorOf,
} from '@fleetdesk/api-types';
import {
  DIR_LIMITS,
  type DirEntry,
  type DirListingBody,
  type ListDirBody,
  listDirSigningPayload,
} from '@fleetdesk/protocol';
import { randomUUID } from 'node:crypto';
import { AgentGatewayService } from '../agent-gateway/agent-gateway.service';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { DevicesService } from '../devices/devices.service';
import { LogSettingsService } from '../log-collection/log-settings.service';
import { ServerKeysService } from '../server-keys/server-keys.service';
import {
  DeviceFilesAgentTooOldException,
  DeviceFilesBusyException,
  DeviceFilesElsewhereException,
  DeviceFilesOfflineException,
  DeviceFilesRefusedException,
  DeviceFilesTimeoutException,
} from './device-files.exceptions';

/** The first protocol version with `list_dir`. */
const LIST_DIR_SINCE = 5;

interface Pending {
  deviceId: string;
  resolve(body: DirListingBody): void;
  timer: NodeJS.Timeout;
}

const toEntry = (e: DirEntry): DeviceFileEntry => ({
  name: e.name,
  type: e.type,
  ...(e.size !== undefined ? { size: e.size } : {}),
  ...(e.mtime !== undefined ? { modifiedAt: new Date(e.mtime).toISOString() } : {}),
  ...(e.mode !== undefined ? { mode: (e.mode & 0o7777).toString(8).padStart(4, '0') } : {}),
  ...(e.refused ? { refused: e.refused } : {}),
});

/**
 * The device page's file browser: one folder of one online device, asked over its live socket
 * with a signed `list_dir` that carries the admin's log path lists of the moment, answered by
 * the agent's `dir_listing`. Nothing is stored but the audit entry: a listing is a live look,
 * and a lost one is asked again. The answer is awaited here, on the process that holds the
 * device's socket (per-node live state, keyed by request id and checked against the device).
 */
@Injectable()
export class DeviceFilesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeviceFiles');
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly gateway: AgentGatewayService,
    private readonly devices: DevicesService,
    private readonly settings: LogSettingsService,
    private readonly serverKeys: ServerKeysService,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    this.gateway.route('dir_listing', (deviceId, body) => this.answered(deviceId, body));
  }

  onApplicationShutdown(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }

  async list(
    actor: Actor,
    deviceId: string,
    path: string,
    maxEntries: number,
  ): Promise<DeviceFilesResponse> {
    const device = await this.devices.get(deviceId);
    if (device.status !== 'online') throw new DeviceFilesOfflineException(deviceId, device.status);
    const version = this.gateway.protocolVersion(deviceId);
    if (version === undefined) throw new DeviceFilesElsewhereException(deviceId);
    if (version < LIST_DIR_SINCE) {
      throw new DeviceFilesAgentTooOldException(
        deviceId,
        this.gateway.agentVersionOf(deviceId) ?? 'unknown',
      );
    }
    const inFlight = [...this.pending.values()].filter((p) => p.deviceId === deviceId).length;
    if (inFlight >= DEVICE_FILES_RULES.perDevice) {
      throw new DeviceFilesBusyException(deviceId, DEVICE_FILES_RULES.perDevice);
    }
    const policy = await this.settings.get();
    const issuedAt = Date.now();
    const unsigned: Omit<ListDirBody, 'signature'> = {
      requestId: randomUUID(),
      deviceId,
      path,
      maxEntries,
      allow: policy.allow,
      deny: policy.deny,
      issuedAt,
      expiresAt: issuedAt + DIR_LIMITS.validityMs,
    };
    const signature = this.serverKeys.sign(listDirSigningPayload(unsigned));
    let outcome: Record<string, unknown> = { outcome: 'not_sent' };
    try {
      const answer = await this.ask(deviceId, { ...unsigned, signature });
      if (answer.error) {
        outcome = { outcome: answer.error.reason, message: answer.error.message };
        throw new DeviceFilesRefusedException(
          answer.error.reason,
          answer.error.message,
          answer.path,
        );
      }
      outcome = {
        outcome: 'listed',
        realPath: answer.path,
        total: answer.total,
        returned: answer.entries.length,
      };
      return {
        deviceId,
        path: answer.path,
        separator: pathSeparatorOf(answer.path),
        entries: answer.entries.map(toEntry),
        total: answer.total,
        truncated: answer.truncated,
      };
    } catch (err) {
      if (err instanceof DeviceFilesTimeoutException) outcome = { outcome: 'timeout' };
      throw err;
    } finally {
      await this.audit
        .recordAlone(actor, {
          action: 'device_files.list',
          targetType: 'device',
          targetId: deviceId,
          details: { path, ...outcome },
        })
        .catch((e: unknown) => this.logger.error(`audit failed: ${String(e)}`));
    }
  }

  /** Sends the request and waits for the device's answer, or rejects at the time limit. */
  private ask(deviceId: string, body: ListDirBody): Promise<DirListingBody> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(body.requestId);
        reject(new DeviceFilesTimeoutException(deviceId, DEVICE_FILES_RULES.timeoutMs));
      }, DEVICE_FILES_RULES.timeoutMs);
      this.pending.set(body.requestId, { deviceId, resolve, timer });
      if (!this.gateway.send(deviceId, 'list_dir', body)) {
        clearTimeout(timer);
        this.pending.delete(body.requestId);
        reject(new DeviceFilesElsewhereException(deviceId));
      }
    });
  }

  /** A device's answer: taken only for a request of its own that is still waiting. */
  private answered(deviceId: string, body: DirListingBody): void {
    const pending = this.pending.get(body.requestId);
    if (!pending || pending.deviceId !== deviceId) {
      this.logger.debug(`device ${deviceId}: a listing nobody waits for (${body.requestId})`);
      return;
    }
    clearTimeout(pending.timer);
    this.pending.delete(body.requestId);
    pending.resolve(body);
  }
}
