import type { HeartbeatBody, InventoryBody } from '@fleetdesk/protocol';
import type { Session, SessionHandle } from './connection';
import { encodeInventory } from './inventory-frame';
import { errorMessage, type Logger } from './log';

export const INVENTORY_INTERVAL_MS = 24 * 60 * 60_000;

export interface ReporterOptions {
  collectInventory(): Promise<InventoryBody>;
  collectHeartbeat(): Promise<HeartbeatBody>;
  log: Logger;
  /**
   * Delay before the first heartbeat. Default: right after the first inventory is sent.
   * `simulate` picks a random point in the interval so agents do not beat in step.
   */
  firstHeartbeatDelayMs?: (intervalMs: number) => number;
  /** Each period is scaled by a random factor in [1 - jitter, 1 + jitter]. */
  jitter?: number;
  inventoryIntervalMs?: number;
  random?: () => number;
  onSent?(type: 'inventory' | 'heartbeat'): void;
}

/**
 * What an authenticated session sends: the inventory at once and every 24 h, a heartbeat
 * every `heartbeatIntervalMs`. Owns its timers; `close()` stops them and discards any
 * collection still in flight.
 */
export function startReporting(
  session: Session,
  options: ReporterOptions,
): SessionHandle & { sendInventory(): void } {
  const { log } = options;
  const random = options.random ?? Math.random;
  const interval = session.heartbeatIntervalMs;
  let closed = false;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let inventoryTimer: NodeJS.Timeout | undefined;
  let heartbeatInFlight = false;
  let heartbeats = 0;

  const period = (ms: number) => {
    const jitter = options.jitter ?? 0;
    return Math.max(0, Math.round(ms * (1 + jitter * (2 * random() - 1))));
  };

  const scheduleHeartbeat = (delay: number) => {
    if (closed) return;
    clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(() => void heartbeat(), delay);
  };

  const heartbeat = async () => {
    // A probe slower than the interval must not pile up behind itself.
    if (heartbeatInFlight) return;
    heartbeatInFlight = true;
    heartbeats += 1;
    const started = Date.now();
    try {
      const body = await options.collectHeartbeat();
      if (!closed && session.send('heartbeat', body)) options.onSent?.('heartbeat');
    } catch (err) {
      if (!closed) log.warn(`heartbeat not sent: ${errorMessage(err)}`, 'heartbeat failed');
    } finally {
      heartbeatInFlight = false;
      scheduleHeartbeat(Math.max(0, period(interval) - (Date.now() - started)));
    }
  };

  const inventory = async () => {
    try {
      const body = await options.collectInventory();
      const frame = closed ? null : encodeInventory(body, log);
      if (frame && session.sendFrame(frame)) options.onSent?.('inventory');
    } catch (err) {
      if (!closed) log.warn(`inventory not sent: ${errorMessage(err)}`, 'inventory failed');
    }
    if (!closed) {
      inventoryTimer = setTimeout(
        () => void inventory(),
        options.inventoryIntervalMs ?? INVENTORY_INTERVAL_MS,
      );
    }
  };

  const first = options.firstHeartbeatDelayMs;
  if (first) {
    scheduleHeartbeat(first(interval));
    void inventory();
  } else {
    // Heartbeats only start once the inventory went out, so the server sees it first; a
    // slow package manager still cannot hold them back for longer than one interval.
    scheduleHeartbeat(interval);
    void inventory().then(() => heartbeats === 0 && scheduleHeartbeat(0));
  }

  return {
    close: () => {
      closed = true;
      clearTimeout(heartbeatTimer);
      clearTimeout(inventoryTimer);
    },
    // After a software change: the server's inventory should show it now, not in 24 h.
    sendInventory: () => {
      if (closed) return;
      clearTimeout(inventoryTimer);
      void inventory();
    },
  };
}
