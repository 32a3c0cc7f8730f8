import {
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type AgentBuild, agentBuildSigningPayload, agentVersion } from '@fleetdesk/protocol';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgentCatalog, AgentBinariesService } from '../agent-downloads/agent-binaries.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OfferedAgentVersion } from '../devices/offered-agent-version';
import { ServerKeysService } from '../server-keys/server-keys.service';

/** The agent builds this server offers for updates, each signed with the server key. */
export interface AgentRelease {
  version: string;
  builds: AgentBuild[];
}

const REFRESH_MS = 30_000;

/**
 * Turns the agent-downloads catalog (executables checked against their manifest) into signed
 * builds: the server signs (platform, version, sha256) of each, so an agent checks a
 * downloaded binary against the key it pinned at enrollment, wherever the bytes came from.
 *
 * The devices list's `outdated` needs only the manifest's version, read cheaply every 30 s;
 * the catalog (which hashes every file) loads on first use, as agent-downloads intends.
 */
@Injectable()
export class AgentReleasesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private signed?: { catalog: AgentCatalog; release: AgentRelease | null; problem: string };
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly binaries: AgentBinariesService,
    private readonly serverKeys: ServerKeysService,
    private readonly offered: OfferedAgentVersion,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.refreshOffered();
    this.timer = setInterval(() => void this.refreshOffered(), REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The release, or null with the reason. */
  async load(): Promise<{ release: AgentRelease | null; problem: string }> {
    const catalog = await this.binaries.catalog();
    if (this.signed?.catalog !== catalog) this.signed = { catalog, ...this.sign(catalog) };
    this.offered.set(this.signed.release?.version ?? null);
    return this.signed;
  }

  private sign(catalog: AgentCatalog): { release: AgentRelease | null; problem: string } {
    const { version } = catalog;
    if (!this.config.agentBinariesDir)
      return { release: null, problem: 'AGENT_BINARIES_DIR is not set' };
    if (version === null || catalog.binaries.size === 0) {
      return { release: null, problem: 'no executable in AGENT_BINARIES_DIR matches its manifest' };
    }
    if (!agentVersion(version).ok) {
      return { release: null, problem: `the manifest's version "${version}" is not a version` };
    }
    const builds = [...catalog.binaries.values()].map(({ platform, sha256, size }) => ({
      platform,
      version,
      sha256,
      size,
      signature: this.serverKeys.sign(agentBuildSigningPayload({ platform, version, sha256 })),
    }));
    return { release: { version, builds }, problem: '' };
  }

  private async refreshOffered(): Promise<void> {
    const dir = this.config.agentBinariesDir;
    if (!dir) return this.offered.set(null);
    try {
      const { version } = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
        version?: unknown;
      };
      this.offered.set(typeof version === 'string' && agentVersion(version).ok ? version : null);
    } catch {
      this.offered.set(null);
    }
  }
}
