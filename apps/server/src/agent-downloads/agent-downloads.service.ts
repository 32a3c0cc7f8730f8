import { Injectable } from '@nestjs/common';
import type { ReadStream } from 'node:fs';
import type { AgentPlatform } from '@fleetdesk/api-types';
import { AuditService } from '../audit/audit.service';
import type { Actor } from '../common/actor';
import { type AgentBinary, AgentBinariesService } from './agent-binaries.service';
import { type AgentDownloadsResponse, toAgentDownloadsResponse } from './dto/agent-downloads.dto';

@Injectable()
export class AgentDownloadsService {
  constructor(
    private readonly binaries: AgentBinariesService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<AgentDownloadsResponse> {
    return toAgentDownloadsResponse(await this.binaries.catalog());
  }

  /** Opens the executable for `platform` and records who fetched which bytes. */
  async download(
    downloader: { actor: Actor; tokenName?: string },
    platform: AgentPlatform,
  ): Promise<{ binary: AgentBinary; stream: ReadStream }> {
    const opened = await this.binaries.open(platform);
    const { version } = await this.binaries.catalog();
    try {
      await this.audit.recordAlone(downloader.actor, {
        action: 'agent_downloads.download',
        targetType: 'agent_binary',
        targetId: platform,
        details: {
          file: opened.binary.file,
          version,
          size: opened.binary.size,
          sha256: opened.binary.sha256,
          ...(downloader.tokenName !== undefined ? { tokenName: downloader.tokenName } : {}),
        },
      });
    } catch (error) {
      opened.stream.destroy();
      throw error;
    }
    return opened;
  }
}
