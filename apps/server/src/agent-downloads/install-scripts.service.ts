import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AGENT_PLATFORMS } from '@fleetdesk/api-types';
import { ServerKeysService } from '../server-keys/server-keys.service';
import { AgentBinariesService } from './agent-binaries.service';
import { InstallScriptUnavailableException } from './agent-downloads.exceptions';

export type InstallScriptKind = 'sh' | 'ps1';

/** apps/agent/install, relative to this file in src/ and in dist/ alike. */
const SCRIPTS_DIR = resolve(__dirname, '../../../agent/install');

/**
 * Every value goes between single quotes in sh and PowerShell, so each must be one that
 * cannot end the string or expand: checked here, whatever produced it.
 */
const SAFE = {
  url: /^https?:\/\/[A-Za-z0-9.\-[\]:]+(\/[A-Za-z0-9._~\-/%]*)?$/,
  version: /^[0-9A-Za-z.+-]{0,64}$/,
  hex: /^([0-9a-f]{64})?$/,
};

/**
 * The one-line installers (apps/agent/install/install.sh and install.ps1), served with this
 * server's public facts filled in: its address, the agent version, each executable's SHA-256
 * and the server key fingerprint. Nothing secret: the token stays on the command line.
 */
@Injectable()
export class InstallScriptsService {
  private readonly logger = new Logger('AgentDownloads');
  private readonly templates = new Map<InstallScriptKind, string>();

  constructor(
    private readonly binaries: AgentBinariesService,
    private readonly serverKeys: ServerKeysService,
  ) {
    for (const kind of ['sh', 'ps1'] as const) {
      const file = resolve(SCRIPTS_DIR, `install.${kind}`);
      try {
        this.templates.set(kind, readFileSync(file, 'utf8'));
      } catch (error) {
        this.logger.error(`cannot read ${file} (${String(error)}); /install.${kind} is off`);
      }
    }
  }

  async render(kind: InstallScriptKind, serverUrl: string): Promise<string> {
    const template = this.templates.get(kind);
    if (template === undefined) throw new InstallScriptUnavailableException(kind);
    const catalog = await this.binaries.catalog();
    const values: [string, string, RegExp][] = [
      ['SERVER_URL', serverUrl, SAFE.url],
      ['VERSION', catalog.version ?? '', SAFE.version],
      ['SERVER_KEY_SHA256', this.serverKeys.publicKeyFingerprint, SAFE.hex],
      ...AGENT_PLATFORMS.map((p): [string, string, RegExp] => [
        `SHA256_${p}`,
        catalog.binaries.get(p)?.sha256 ?? '',
        SAFE.hex,
      ]),
    ];
    let script = template;
    for (const [name, value, safe] of values) {
      // Unreachable with checked inputs; refusing beats serving a script that runs it.
      if (!safe.test(value)) throw new Error(`unsafe value for ${name} in install.${kind}`);
      script = script.split(`@@${name}@@`).join(value);
    }
    return script;
  }
}
