import * as os from 'node:os';
import * as si from 'systeminformation';
import { cleanString, withTimeout } from './sanitize';
import { AGENT_VERSION } from './version';

/** What enrollment tells the server about the machine, before the first inventory. */
export interface EnrollFacts {
  hostname: string;
  os: { platform: string; distro: string; release: string; arch: string };
  agentVersion: string;
}

export async function collectFacts(): Promise<EnrollFacts> {
  const info = await withTimeout(si.osInfo(), 10_000, null);
  return {
    hostname: cleanString(os.hostname(), 255, 'unknown'),
    os: {
      platform: process.platform,
      distro: cleanString(info?.distro, 256),
      release: cleanString(info?.release ?? os.release(), 128),
      arch: process.arch,
    },
    agentVersion: AGENT_VERSION,
  };
}
