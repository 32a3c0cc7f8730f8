import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import * as api from '@fleetdesk/api-types';
import { AGENT_PLATFORMS, type AgentPlatform } from '@fleetdesk/api-types';
import type { AgentBinary, AgentCatalog } from '../agent-binaries.service';

export class AgentPlatformParam {
  @ApiProperty({ enum: AGENT_PLATFORMS, enumName: 'AgentPlatform' })
  @IsIn(AGENT_PLATFORMS, { message: `platform must be one of ${AGENT_PLATFORMS.join(', ')}` })
  platform!: AgentPlatform;
}

export class AgentDownload implements api.AgentDownload {
  @ApiProperty({ enum: AGENT_PLATFORMS, enumName: 'AgentPlatform' }) platform!: AgentPlatform;
  @ApiProperty({ example: 'fleetdesk-agent-linux-x64' }) file!: string;
  @ApiProperty({ description: 'Bytes' }) size!: number;
  @ApiProperty({ description: 'SHA-256 of the file, lowercase hex' }) sha256!: string;
  @ApiProperty({ description: 'The Node.js version inside' }) node!: string;
  @ApiProperty({ example: '/api/agent/downloads/linux-x64' }) url!: string;
}

export class AgentDownloadsResponse implements api.AgentDownloadsResponse {
  @ApiProperty({ type: String, nullable: true, description: 'null: nothing to offer' })
  version!: string | null;
  @ApiProperty({ type: [AgentDownload] }) platforms!: AgentDownload[];
}

export const downloadPath = (platform: AgentPlatform) => `/api/agent/downloads/${platform}`;

export const toAgentDownload = (b: AgentBinary): AgentDownload => ({
  platform: b.platform,
  file: b.file,
  size: b.size,
  sha256: b.sha256,
  node: b.node,
  url: downloadPath(b.platform),
});

export const toAgentDownloadsResponse = (c: AgentCatalog): AgentDownloadsResponse => ({
  version: c.version,
  platforms: AGENT_PLATFORMS.flatMap((p) => {
    const b = c.binaries.get(p);
    return b ? [toAgentDownload(b)] : [];
  }),
});
