import type { KeyObject } from 'node:crypto';
import {
  agentBuildSigningPayload,
  verifyPayload,
  type AgentBuild,
  type AgentUpdateAction,
} from '@fleetdesk/protocol';

/** `<os>-<arch>` as the builds are named (win32 → win); macOS on arm64 under Rosetta says x64. */
export function agentPlatformOf(platform: NodeJS.Platform, arch: string): string {
  return `${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** An update this agent will not apply; nothing was replaced. */
export class UpdateRefused extends Error {
  override name = 'UpdateRefused';
}

/**
 * The build for this platform, checked against the pinned server key before a byte is
 * downloaded: the server signs (platform, version, sha256) of each build, so a binary is
 * trusted for what it hashes to, wherever it comes from.
 */
export function pickBuild(
  action: AgentUpdateAction,
  platform: string,
  serverPublicKey: KeyObject,
): AgentBuild {
  const build = action.builds.find((b) => b.platform === platform);
  if (!build) {
    throw new UpdateRefused(
      `the update has no build for ${platform} (it has ${action.builds.map((b) => b.platform).join(', ')})`,
    );
  }
  if (build.version !== action.version) {
    throw new UpdateRefused(
      `the ${platform} build is version ${build.version}, not the ${action.version} the update installs`,
    );
  }
  const payload = agentBuildSigningPayload(build);
  if (!verifyPayload(serverPublicKey, payload, build.signature)) {
    throw new UpdateRefused(
      `the ${platform} build's signature does not match the server key this device pinned at enrollment`,
    );
  }
  return build;
}
