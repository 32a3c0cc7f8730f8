import type { AgentCheckKind, AgentCheckResponse, AgentCheckStatus } from '@fleetdesk/api-types';

export const KIND_LABELS: Record<AgentCheckKind, string> = {
  cpu: 'CPU',
  memory: 'Memory',
  disk: 'Disk',
  service: 'Service running',
  process: 'Process running',
  ping: 'Ping',
  tcp: 'TCP port',
  script: 'Script (Nagios)',
};

export const STATUS_COLOR: Record<AgentCheckStatus, string> = {
  ok: 'green',
  warning: 'yellow',
  critical: 'red',
  unknown: 'gray',
};

/** What the check looks at, in a few words ("/data above 90 %", "tcp db.local:5432"). */
export function checkSubject(c: AgentCheckResponse): string {
  switch (c.kind) {
    case 'cpu':
    case 'memory':
      return `above ${c.thresholdPercent} %${held(c)}`;
    case 'disk':
      return `${c.mount ?? 'every mount'} above ${c.thresholdPercent} %${held(c)}`;
    case 'service':
      return c.service ?? '';
    case 'process':
      return c.process ?? '';
    case 'ping':
      return c.host ?? '';
    case 'tcp':
      return `${c.host}:${c.port}`;
    case 'script':
      return `${c.language} script`;
  }
}

const held = (c: AgentCheckResponse) =>
  c.durationSeconds > 0 ? ` for ${formatSeconds(c.durationSeconds)}` : '';

export function formatSeconds(s: number): string {
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

/** The check's own target in words; a check naming nothing runs only through policies. */
export function targetSummary(c: AgentCheckResponse, groupName: (id: string) => string): string {
  const t = c.target;
  if (t.all) return 'All devices';
  const parts = [
    ...(t.deviceIds.length
      ? [`${t.deviceIds.length} device${t.deviceIds.length === 1 ? '' : 's'}`]
      : []),
    ...t.tags.map((tag) => `tag ${tag}`),
    ...t.groupIds.map((id) => `group ${groupName(id)}`),
  ];
  return parts.length ? parts.join(', ') : 'Only through automation policies';
}
