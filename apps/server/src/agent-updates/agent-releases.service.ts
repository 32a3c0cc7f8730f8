import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import {
  type AgentBuild,
  agentBuildSigningPayload,
  agentPlatform,
  agentVersion,
  formatPath,
  int,
  object,
  array,
  string,
  AGENT_UPDATE_LIMITS,
  type Validator,
} from '@fleetdesk/protocol';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OfferedAgentVersion } from '../devices/offered-agent-version';
import { ServerKeysService } from '../server-keys/server-keys.service';

/** The agent builds this server offers, each signed with the server key. */
export interface AgentRelease {
  version: string;
  builds: AgentBuild[];
}

/** What `npm run build:agent` writes beside the executables (only the fields used here). */
interface Manifest {
  version: string;
  platforms: { platform: string; sha256: string; size: number }[];
}

const manifestShape: Validator<Manifest> = (input) => {
  // Extra fields (file names, node versions, bundle hash) are the build's business.
  if (typeof input !== 'object' || input === null) {
    return { ok: false, path: [], reason: 'expected an object' };
  }
  const { version, platforms } = input as Record<string, unknown>;
  return object<Manifest>({
    version: agentVersion,
    platforms: array(
      (item: unknown) => {
        if (typeof item !== 'object' || item === null) {
          return { ok: false as const, path: [], reason: 'expected an object' };
        }
        const { platform, sha256, size } = item as Record<string, unknown>;
        return object<Manifest['platforms'][number]>({
          platform: agentPlatform,
          sha256: string({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, expected: 'a hex SHA-256' }),
          size: int({ min: 1, max: AGENT_UPDATE_LIMITS.maxBytes }),
        })({ platform, sha256, size });
      },
      { min: 1, max: AGENT_UPDATE_LIMITS.builds },
    ),
  })({ version, platforms });
};

const RECHECK_MS = 10_000;
export const MANIFEST_FILE = 'manifest.json';

/**
 * Reads the builds' manifest.json from AGENT_BINARIES_DIR and signs each build as (platform,
 * version, sha256), so an agent can check a downloaded binary against the key it pinned
 * at enrollment. Re-read when the file changes (checked at most every 10 s); the newest
 * version is also what the devices list compares agents with (`outdated`).
 */
@Injectable()
export class AgentReleasesService implements OnApplicationBootstrap {
  private readonly logger = new Logger('AgentReleases');
  private cached: { mtimeMs: number; release: AgentRelease | null; problem: string } | null = null;
  private checkedAt = 0;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly serverKeys: ServerKeysService,
    private readonly offered: OfferedAgentVersion,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { release, problem } = await this.load();
    if (release) this.logger.log(`offering agent ${release.version} (${release.builds.length} platform(s))`);
    else this.logger.log(`no agent updates offered: ${problem}`);
  }

  /** The release, or null with the reason. */
  async load(): Promise<{ release: AgentRelease | null; problem: string }> {
    const path = join(this.config.agentBinariesDir, MANIFEST_FILE);
    if (this.cached && Date.now() - this.checkedAt < RECHECK_MS) return this.cached;
    this.checkedAt = Date.now();
    const mtimeMs = await stat(path).then(
      (s) => s.mtimeMs,
      () => -1,
    );
    if (this.cached?.mtimeMs === mtimeMs) return this.cached;
    this.cached = { mtimeMs, ...(await this.read(path, mtimeMs)) };
    this.offered.set(this.cached.release?.version ?? null);
    return this.cached;
  }

  private async read(
    path: string,
    mtimeMs: number,
  ): Promise<{ release: AgentRelease | null; problem: string }> {
    if (mtimeMs < 0) return { release: null, problem: `${path} does not exist` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      return { release: null, problem: `${path} is not readable JSON (${String(error)})` };
    }
    const check = manifestShape(parsed);
    if (!check.ok) {
      const problem = `${path}: ${formatPath(check.path) || 'manifest'} ${check.reason}`;
      this.logger.warn(problem);
      return { release: null, problem };
    }
    const { version, platforms } = check.value;
    const builds = platforms.map(({ platform, sha256, size }) => ({
      platform,
      version,
      sha256,
      size,
      signature: this.serverKeys.sign(agentBuildSigningPayload({ platform, version, sha256 })),
    }));
    return { release: { version, builds }, problem: '' };
  }
}
