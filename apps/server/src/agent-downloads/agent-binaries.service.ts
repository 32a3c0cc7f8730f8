import { Inject, Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type AgentPlatform, isAgentPlatform } from '@fleetdesk/api-types';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import {
  AgentBinaryChangedException,
  AgentBinaryNotAvailableException,
} from './agent-downloads.exceptions';

/** One executable, as checked against the manifest when the catalog was loaded. */
export interface AgentBinary {
  platform: AgentPlatform;
  file: string;
  path: string;
  size: number;
  sha256: string;
  /** Node.js version inside. */
  node: string;
  /** The file's mtime when it was hashed: a later change shows here without re-hashing. */
  mtimeMs: number;
}

export interface AgentCatalog {
  /** Agent version of the manifest; null when there is nothing to offer. */
  version: string | null;
  binaries: Map<AgentPlatform, AgentBinary>;
}

const EMPTY: AgentCatalog = { version: null, binaries: new Map() };
const HEX64 = /^[0-9a-f]{64}$/;

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The agent executables this server offers (AGENT_BINARIES_DIR and its manifest.json, written
 * by `npm run build:agent`). Each file is hashed when the catalog loads, and one whose size or
 * SHA-256 differs from the manifest is refused and logged, never offered. The catalog loads on
 * first use, not at boot, so a server that is never asked does not read 500 MB; a manifest
 * replaced on disk (a new build) is picked up at the next request.
 */
@Injectable()
export class AgentBinariesService {
  private readonly logger = new Logger('AgentDownloads');
  private loaded?: { key: string; catalog: Promise<AgentCatalog> };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async catalog(): Promise<AgentCatalog> {
    const dir = this.config.agentBinariesDir;
    if (!dir) return EMPTY;
    const manifest = join(dir, 'manifest.json');
    const key = await stat(manifest).then(
      (s) => `${s.size}:${s.mtimeMs}:${s.ino}`,
      () => 'missing',
    );
    if (this.loaded?.key !== key) {
      this.loaded = { key, catalog: this.load(dir, manifest) };
    }
    return this.loaded.catalog;
  }

  /** The verified binary for `platform` and a stream of its bytes. */
  async open(platform: AgentPlatform): Promise<{ binary: AgentBinary; stream: ReadStream }> {
    const binary = (await this.catalog()).binaries.get(platform);
    if (!binary) throw new AgentBinaryNotAvailableException(platform);
    const now = await stat(binary.path).catch(() => undefined);
    if (!now || now.size !== binary.size || now.mtimeMs !== binary.mtimeMs) {
      this.logger.error(
        `${binary.path} changed on disk after it was checked; not serving it until it is checked again`,
      );
      this.loaded = undefined;
      throw new AgentBinaryChangedException(platform);
    }
    return { binary, stream: createReadStream(binary.path) };
  }

  private async load(dir: string, manifestPath: string): Promise<AgentCatalog> {
    let manifest: unknown;
    try {
      manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    } catch (error) {
      this.logger.error(
        `cannot read ${manifestPath}: ${String(error)}; no agent downloads offered`,
      );
      return EMPTY;
    }
    if (
      !isRecord(manifest) ||
      typeof manifest.version !== 'string' ||
      !Array.isArray(manifest.platforms)
    ) {
      this.logger.error(`${manifestPath} is not an agent manifest; no agent downloads offered`);
      return EMPTY;
    }
    const node = isRecord(manifest.node) ? manifest.node : {};
    const binaries = new Map<AgentPlatform, AgentBinary>();
    for (const entry of manifest.platforms as unknown[]) {
      const binary = await this.verify(dir, entry, node);
      if (binary) binaries.set(binary.platform, binary);
    }
    this.logger.log(
      `agent ${manifest.version} offered for ${[...binaries.keys()].join(', ') || 'no platform'}`,
    );
    return { version: manifest.version, binaries };
  }

  private async verify(
    dir: string,
    entry: unknown,
    node: Record<string, unknown>,
  ): Promise<AgentBinary | undefined> {
    if (
      !isRecord(entry) ||
      typeof entry.platform !== 'string' ||
      !isAgentPlatform(entry.platform) ||
      typeof entry.file !== 'string' ||
      // A bare file name: the manifest never points outside its folder.
      basename(entry.file) !== entry.file ||
      typeof entry.size !== 'number' ||
      typeof entry.sha256 !== 'string' ||
      !HEX64.test(entry.sha256)
    ) {
      this.logger.error(`skipping a malformed manifest entry: ${JSON.stringify(entry)}`);
      return undefined;
    }
    const path = join(dir, entry.file);
    try {
      const before = await stat(path);
      const sha256 = await sha256File(path);
      const after = await stat(path);
      if (before.mtimeMs !== after.mtimeMs || after.size !== before.size) {
        this.logger.error(`${path} changed while it was being checked; not offered`);
        return undefined;
      }
      if (after.size !== entry.size || sha256 !== entry.sha256) {
        this.logger.error(
          `${path} does not match its manifest (size ${after.size}, sha256 ${sha256}; the manifest says ${entry.size}, ${entry.sha256}); not offered`,
        );
        return undefined;
      }
      return {
        platform: entry.platform,
        file: entry.file,
        path,
        size: after.size,
        sha256,
        node: typeof node[entry.platform] === 'string' ? (node[entry.platform] as string) : '',
        mtimeMs: after.mtimeMs,
      };
    } catch (error) {
      this.logger.error(`cannot read ${path}: ${String(error)}; not offered`);
      return undefined;
    }
  }
}
