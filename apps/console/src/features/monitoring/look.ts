import type {
  AlertSeverity,
  AlertState,
  ChannelKind,
  CheckOutcome,
  DeliveryStatus,
} from '@fleetdesk/api-types';

export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = {
  webhook: 'Webhook (JSON)',
  slack: 'Slack',
  teams: 'Microsoft Teams',
  email: 'Email',
};

export const DELIVERY_COLOR: Record<DeliveryStatus, string> = {
  pending: 'gray',
  sending: 'blue',
  delivered: 'green',
  failed: 'red',
};

export const SEVERITY_COLOR: Record<AlertSeverity, string> = {
  info: 'blue',
  warning: 'yellow',
  critical: 'red',
};

export const STATE_LOOK: Record<AlertState, { label: string; color: string }> = {
  firing: { label: 'Firing', color: 'red' },
  acknowledged: { label: 'Acknowledged', color: 'orange' },
  resolved: { label: 'Resolved', color: 'green' },
};

export const OUTCOME_COLOR: Record<CheckOutcome, string> = {
  ok: 'green',
  warning: 'yellow',
  critical: 'red',
};

/**
 * A source as words. Sources other features add later (agent checks) show as their own name
 * made readable, so the inbox never needs to know them all.
 */
export function sourceLabel(source: string): string {
  const known: Record<string, string> = {
    website_check: 'Website check',
    device_offline: 'Device offline',
  };
  return known[source] ?? source.replace(/[_-]+/g, ' ').replace(/^./, (c) => c.toUpperCase());
}
