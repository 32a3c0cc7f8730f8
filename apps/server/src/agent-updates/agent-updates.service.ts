import { Injectable } from '@nestjs/common';
import {
  AGENT_UPDATE_RULES,
  type AgentReleaseResponse,
  isAgentPlatform,
  type JobResponse,
} from '@fleetdesk/api-types';
import type { ReadStream } from 'node:fs';
import { AgentBinariesService } from '../agent-downloads/agent-binaries.service';
import type { AgentUpdateAction } from '@fleetdesk/protocol';
import type { Actor } from '../common/actor';
import { JobsService } from '../jobs/jobs.service';
import { AgentReleasesService } from './agent-releases.service';
import { NoAgentBuildException, NoAgentReleaseException } from './agent-updates.exceptions';
import { DeviceHttpAuthService } from './device-http-auth.service';
import type { CreateAgentUpdateDto } from './dto/agent-update.dto';

/**
 * Agent self-updates: a job like any other (targets, rollout, audit, run states) whose runs
 * carry the `agent_update` action with the offered builds. The run ends `succeeded` only when
 * the device reconnects with the new version (see RunStore.confirmAgentUpdate).
 */
@Injectable()
export class AgentUpdatesService {
  constructor(
    private readonly releases: AgentReleasesService,
    private readonly jobs: JobsService,
    private readonly deviceAuth: DeviceHttpAuthService,
    private readonly binaries: AgentBinariesService,
  ) {}

  /**
   * A build for a device to install (it checks the hash and signature itself); the request
   * must be signed by an enrolled, non-revoked device.
   */
  async buildForDevice(
    authorization: string | undefined,
    path: string,
    platform: string,
  ): Promise<{ stream: ReadStream; size: number; version: string }> {
    await this.deviceAuth.verify(authorization, 'GET', path);
    const { release } = await this.releases.load();
    if (!release || !isAgentPlatform(platform)) throw new NoAgentBuildException(platform);
    const { binary, stream } = await this.binaries.open(platform);
    return { stream, size: binary.size, version: release.version };
  }

  async release(): Promise<AgentReleaseResponse> {
    const { release } = await this.releases.load();
    return {
      version: release?.version ?? null,
      platforms: (release?.builds ?? []).map(({ platform, sha256, size }) => ({
        platform,
        sha256,
        size,
      })),
    };
  }

  async create(actor: Actor, dto: CreateAgentUpdateDto): Promise<JobResponse> {
    const { release, problem } = await this.releases.load();
    if (!release) throw new NoAgentReleaseException(problem);
    const { trialTimeoutSeconds, timeoutSeconds, ...rollout } = dto;
    const trialSeconds = trialTimeoutSeconds ?? AGENT_UPDATE_RULES.trialTimeoutSeconds.default;
    const action: AgentUpdateAction = {
      kind: 'agent_update',
      version: release.version,
      trialTimeoutMs: trialSeconds * 1000,
      builds: release.builds,
    };
    return this.jobs.createAction(actor, {
      name: dto.name ?? `Update agents to ${release.version}`,
      action,
      rollout,
      // The trial must fit inside the run's deadline, with room for the download before it.
      timeoutSeconds: Math.max(
        timeoutSeconds ?? AGENT_UPDATE_RULES.timeoutSeconds.default,
        trialSeconds + AGENT_UPDATE_RULES.timeoutSeconds.min,
      ),
      auditAction: 'agent_updates.create',
      auditDetails: {
        version: release.version,
        trialTimeoutSeconds: trialSeconds,
        builds: release.builds.map((b) => ({ platform: b.platform, sha256: b.sha256 })),
      },
    });
  }
}
