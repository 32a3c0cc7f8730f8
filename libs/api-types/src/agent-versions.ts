/**
 * Agent versions are semver (1.2.3, 1.2.3-rc.1, build metadata after `+` ignored). One rule
 * for the server's `outdated` flag and the console's badge.
 */
interface Parsed {
  core: [number, number, number];
  pre: string[];
}

function parse(version: string): Parsed | null {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    version.trim(),
  );
  if (!m) return null;
  return {
    core: [Number(m[1]), Number(m[2]), Number(m[3])],
    pre: m[4] ? m[4].split('.') : [],
  };
}

function comparePre(a: string[], b: string[]): number {
  // A release ranks above its own pre-releases (1.0.0-rc.1 < 1.0.0).
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] === undefined) return -1;
    if (b[i] === undefined) return 1;
    const na = /^\d+$/.test(a[i]) ? Number(a[i]) : null;
    const nb = /^\d+$/.test(b[i]) ? Number(b[i]) : null;
    if (na !== null && nb !== null) {
      if (na !== nb) return na < nb ? -1 : 1;
    } else if (na !== null) return -1;
    else if (nb !== null) return 1;
    else if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

/**
 * -1, 0 or 1 as semver orders `a` and `b`; null when either is not a version (an agent that
 * reported something else cannot be called older or newer).
 */
export function compareAgentVersions(a: string, b: string): -1 | 0 | 1 | null {
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return null;
  for (let i = 0; i < 3; i++) {
    if (pa.core[i] !== pb.core[i]) return pa.core[i] < pb.core[i] ? -1 : 1;
  }
  const pre = comparePre(pa.pre, pb.pre);
  return pre === 0 ? 0 : pre < 0 ? -1 : 1;
}

/** An agent is outdated when the server offers a newer version than the one it reports. */
export function isAgentOutdated(agentVersion: string, offered: string | null): boolean {
  if (!offered || !agentVersion) return false;
  return compareAgentVersions(agentVersion, offered) === -1;
}

/** Bounds of an agent update, as the API validates them and the console's form offers them. */
export const AGENT_UPDATE_RULES = {
  trialTimeoutSeconds: { min: 5, max: 600, default: 60 },
  /** From dispatch to the result: the download, the trial and the restart. */
  timeoutSeconds: { min: 60, max: 86_400, default: 900 },
} as const;
