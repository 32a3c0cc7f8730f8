import { exhaustiveList } from './exhaustive-list';

/** The platforms the agent is built for as a single-file executable (apps/agent/sea). */
export type AgentPlatform = 'linux-x64' | 'linux-arm64' | 'win-x64' | 'darwin-x64';
export const AGENT_PLATFORMS = exhaustiveList<AgentPlatform>()([
  'linux-x64',
  'linux-arm64',
  'win-x64',
  'darwin-x64',
]);

export const isAgentPlatform = (value: string): value is AgentPlatform =>
  (AGENT_PLATFORMS as readonly string[]).includes(value);

/** The header a bare machine sends its enrollment token in to download the agent. */
export const ENROLLMENT_TOKEN_HEADER = 'X-Enrollment-Token';

/** One executable the server offers: checked against its manifest when the server loaded it. */
export interface AgentDownload {
  platform: AgentPlatform;
  /** File name, e.g. `fleetdesk-agent-linux-x64`. */
  file: string;
  size: number;
  /** Lowercase hex. */
  sha256: string;
  /** The Node.js version inside. */
  node: string;
  /** Path of the download on this server, e.g. `/api/agent/downloads/linux-x64`. */
  url: string;
}

/** `GET /api/agent/downloads`. `version` is null when the server has no executables to offer. */
export interface AgentDownloadsResponse {
  version: string | null;
  platforms: AgentDownload[];
}
