import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parsePublicKey, uuid } from '@fleetdesk/protocol';
import { ensureStateDir, writeFileAtomic } from './state';

export const SIM_IDENTITIES_FILE = 'sim-identities.jsonl';

/** One enrolled virtual agent, one JSON line, so a rerun reconnects instead of enrolling. */
export interface SimIdentity {
  deviceId: string;
  hostname: string;
  serverUrl: string;
  /** PKCS#8 PEM. */
  privateKey: string;
  /** SPKI PEM. */
  serverPublicKey: string;
  enrolledAt: string;
}

function parseLine(line: string): SimIdentity | null {
  try {
    const v = JSON.parse(line) as Partial<SimIdentity>;
    const ok =
      typeof v.deviceId === 'string' &&
      uuid(v.deviceId).ok &&
      typeof v.hostname === 'string' &&
      typeof v.serverUrl === 'string' &&
      typeof v.privateKey === 'string' &&
      typeof v.serverPublicKey === 'string' &&
      parsePublicKey(v.serverPublicKey) !== null;
    return ok ? (v as SimIdentity) : null;
  } catch {
    return null;
  }
}

/**
 * Appends are serialised through one promise chain, so lines from concurrent enrollments
 * never interleave. A line cut short by a crash is skipped on the next load.
 */
export class SimIdentityStore {
  readonly path: string;
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.path = join(dir, SIM_IDENTITIES_FILE);
  }

  /** Identities for `serverUrl`; those for other servers stay in the file untouched. */
  async load(serverUrl: string): Promise<{ mine: SimIdentity[]; skipped: number }> {
    await ensureStateDir(this.dir);
    const text = await readFile(this.path, 'utf8').catch(() => '');
    const mine: SimIdentity[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const identity = parseLine(line);
      if (!identity) skipped += 1;
      else if (identity.serverUrl === serverUrl) mine.push(identity);
    }
    return { mine, skipped };
  }

  append(identity: SimIdentity): Promise<void> {
    const line = `${JSON.stringify(identity)}\n`;
    const written = this.tail.then(() => appendFile(this.path, line, { mode: 0o600 }));
    // One failed append must not block every later one.
    this.tail = written.catch(() => undefined);
    return written;
  }

  /** Drops the given device ids (revoked ones), rewriting the file atomically. */
  async remove(deviceIds: ReadonlySet<string>): Promise<void> {
    if (deviceIds.size === 0) return;
    await this.tail;
    const text = await readFile(this.path, 'utf8').catch(() => '');
    const kept = text
      .split('\n')
      .filter((line) => line.trim() && !deviceIds.has(parseLine(line)?.deviceId ?? ''));
    await writeFileAtomic(this.path, kept.map((l) => `${l}\n`).join(''));
  }
}
