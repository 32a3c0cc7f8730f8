import type { JobTarget } from './jobs';

/** `GET /api/agent-updates/release`: the agent version this server offers, per platform. */
export interface AgentReleaseResponse {
  /** null when the server has no agent builds to offer. */
  version: string | null;
  platforms: { platform: string; sha256: string; size: number }[];
}

/** `POST /api/agent-updates`: update the targeted agents to the offered version (admins). */
export interface CreateAgentUpdateRequest {
  name?: string;
  target: JobTarget;
  /** How long the old agent waits for the new one to connect before rolling back. */
  trialTimeoutSeconds?: number;
  timeoutSeconds?: number;
  offlineExpirySeconds: number;
  maxConcurrency?: number;
  failureThresholdPercent?: number;
}
