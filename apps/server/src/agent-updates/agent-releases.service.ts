import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  AGENT_UPDATE_LIMITS,
  type AgentBuild,
  agentBuildSigningPayload,
  agentPlatform,
  agentVersion,
  array,
  formatPath,
  int,
  object,
  string,
  type Validator,
} from '@fleetdesk/protocol';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { OfferedAgentVersion } from '../devices/offered-agent-version';
import { ServerKeysService } from '../server-keys/server-keys.service';

/** The agent builds this server offers, each signed with the server key. */
export interface AgentRelease {
  version: string;
  builds: AgentBuild[];
  /** Platform → the executable's path. */
  files: Map<string, string>;
}

interface ManifestEntry {
  platform: string;
  file: string;
  sha256: string;
  size: number;
}

/** The part of manifest.json (written by `npm run build:agent`) this server reads. */
const entry = object<ManifestEntry>({
  platform: agentPlatform,
  // A name inside the directory, never a path out of it.
  file: string({
    min: 1,
    max: 255,
    test: (f) => f === basename(f) && f !== '..',
    expected: 'a file name',
  }),
  sha256: string({ min: 64, max: 64, pattern: /^[0-9a-f]{64}$/, expected: 'a hex SHA-256' }),
  size: int({ min: 1, max: AGENT_UPDATE_LIMITS.maxBytes }),
});
const manifest = object<{ version: string; platforms: ManifestEntry[] }>({
  version: agentVersion,
  platforms: array(entry, { min: 1, max: AGENT_UPDATE_LIMITS.builds }),
});

/** Keeps the listed fields only: the manifest carries more (node versions, bundle hash). */
const pick = (input: unknown): unknown => {
  const m = (input ?? {}) as { version?: unknown; platforms?: unknown };
  return {
    version: m.version,
    platforms: Array.isArray(m.platforms)
      ? m.platforms.map((p: Partial<ManifestEntry> | null) => ({
          platform: p?.platform,
          file: p?.file,
          sha256: p?.sha256,
          size: p?.size,
        }))
      : m.platforms,
  };
};
const manifestShape: Validator<{ version: string; platforms: ManifestEntry[] }> = (input) =>
  manifest(pick(input));

export const MANIFEST_FILE = 'manifest.json';
const REFRESH_MS = 30_000;

/**
 * Reads manifest.json in AGENT_BINARIES_DIR and signs each build as (platform, version,
 * sha256), so an agent checks a downloaded binary against the key it pinned at enrollment.
 * Read again whenever the file changed (a stat per use, and every 30 s for the devices list's
 * `outdated`, which compares agents with the version offered here).
 */
@Injectable()
export class AgentReleasesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AgentReleases');
  private cached: { mtimeMs: number; release: AgentRelease | null; problem: string } | null = null;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly serverKeys: ServerKeysService,
    private readonly offered: OfferedAgentVersion,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { release, problem } = await this.load();
    if (release)
      this.logger.log(`offering agent ${release.version} to ${release.builds.length} platform(s)`);
    else this.logger.log(`no agent updates offered: ${problem}`);
    this.timer = setInterval(() => void this.load().catch(() => undefined), REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The release, or null with the reason. */
  async load(): Promise<{ release: AgentRelease | null; problem: string }> {
    const path = join(this.config.agentBinariesDir, MANIFEST_FILE);
    const mtimeMs = await stat(path).then(
      (s) => s.mtimeMs,
      () => -1,
    );
    if (this.cached?.mtimeMs === mtimeMs) return this.cached;
    const cached = { mtimeMs, ...(await this.read(path, mtimeMs)) };
    this.cached = cached;
    this.offered.set(cached.release?.version ?? null);
    return cached;
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
      const problem = `${path}: ${formatPath(check.path) || 'the manifest'}: ${check.reason}`;
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
    const files = new Map(
      platforms.map((p) => [p.platform, join(this.config.agentBinariesDir, p.file)]),
    );
    return { release: { version, builds, files }, problem: '' };
  }
}
