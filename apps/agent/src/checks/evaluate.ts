import { diskUsedPercent, type AgentCheckStatus } from '@fleetdesk/api-types';
import type { AgentCheckSpec, HeartbeatBody } from '@fleetdesk/protocol';

/** One evaluation of one check, before the duration hold is applied. */
export interface Verdict {
  status: AgentCheckStatus;
  message: string;
  value?: number;
}

const pct = (n: number) => `${Math.round(n * 10) / 10} %`;

/**
 * Judges a cpu, memory or disk check on one heartbeat's figures: the agent measures once
 * and every threshold check reads the same sample. A disk check without a mount takes the
 * fullest mount. Disk use is `df`'s "Use%" (diskUsedPercent), the figure technicians compare.
 */
export function thresholdVerdict(spec: AgentCheckSpec, hb: HeartbeatBody): Verdict {
  const limit = spec.thresholdPercent ?? 100;
  const judge = (what: string, value: number): Verdict => ({
    status: value > limit ? 'critical' : 'ok',
    message: `${what} ${pct(value)} (threshold ${pct(limit)})`,
    value: Math.round(value * 100) / 100,
  });
  switch (spec.kind) {
    case 'cpu':
      return judge('CPU', hb.cpuPercent);
    case 'memory': {
      const { totalBytes, usedBytes } = hb.memory;
      if (!(totalBytes > 0)) return { status: 'unknown', message: 'memory size unknown' };
      return judge('memory', (usedBytes * 100) / totalBytes);
    }
    case 'disk': {
      const disks = spec.mount ? hb.disks.filter((d) => d.mount === spec.mount) : hb.disks;
      let worst: { mount: string; used: number } | null = null;
      for (const d of disks) {
        const used = diskUsedPercent(d);
        if (used !== null && (!worst || used > worst.used)) worst = { mount: d.mount, used };
      }
      if (!worst) {
        return {
          status: 'unknown',
          message: spec.mount ? `no mount ${spec.mount} on this device` : 'no disks reported',
        };
      }
      return judge(`disk ${worst.mount}`, worst.used);
    }
    case 'service':
    case 'process':
    case 'ping':
    case 'tcp':
    case 'script':
      return { status: 'unknown', message: `${spec.kind} is not a threshold check` };
  }
}

/**
 * "Unhealthy for a duration": an unhealthy verdict is reported only once it has lasted
 * `durationMs` without a healthy one in between; until then the check stays as it was
 * reported (ok at first), so a short spike never reaches the server.
 */
export class Hold {
  private since: number | null = null;

  apply(v: Verdict, durationMs: number, now: number, reported: Verdict | null): Verdict {
    if (v.status === 'ok') {
      this.since = null;
      return v;
    }
    this.since ??= now;
    // Already reported unhealthy: a change between warning and critical goes out at once.
    if (durationMs <= 0 || now - this.since >= durationMs || (reported && reported.status !== 'ok'))
      return v;
    const left = Math.ceil((durationMs - (now - this.since)) / 1000);
    return {
      status: 'ok',
      message: `${v.message}; reported if it lasts ${left} s more`,
      value: v.value,
    };
  }
}
