import type { AlertSeverity, ChannelKind, ChannelRouting } from '@fleetdesk/api-types';
import { severityAtLeast } from '@fleetdesk/api-types';
import { createHmac } from 'node:crypto';
import type { AlertNotice } from '../alerts/alerts.service';

/** One message to send: a single alert change, a digest of several, or a test. */
export interface Message {
  deliveryId: string;
  channelName: string;
  test: boolean;
  notices: AlertNotice[];
}

/** Lines listed in one message; a digest of more says how many it left out. */
const MAX_LINES = 50;

/** Whether a channel's routing rule lets this alert change through. */
export function routes(rule: ChannelRouting, n: Pick<AlertNotice, 'alert' | 'groupId' | 'tags'>) {
  if (!severityAtLeast(n.alert.severity, rule.minSeverity)) return false;
  if (rule.groupIds.length > 0 && (!n.groupId || !rule.groupIds.includes(n.groupId))) return false;
  if (rule.tags.length > 0 && !n.tags.some((t) => rule.tags.includes(t))) return false;
  return true;
}

const label = (n: AlertNotice) =>
  n.event === 'fired' ? `FIRING ${n.alert.severity}` : `RESOLVED ${n.alert.severity}`;

export function summaryOf(m: Pick<Message, 'test' | 'notices' | 'channelName'>): string {
  if (m.test) return `Fleetdesk test notification for channel "${m.channelName}"`;
  if (m.notices.length === 1) {
    const [n] = m.notices;
    return `[${label(n)}] ${n.alert.title}`;
  }
  const fired = m.notices.filter((n) => n.event === 'fired').length;
  const resolved = m.notices.length - fired;
  const parts = [fired ? `${fired} alert(s) fired` : '', resolved ? `${resolved} resolved` : ''];
  return `Fleetdesk digest: ${parts.filter(Boolean).join(', ')}`;
}

export function linesOf(m: Message): string[] {
  if (m.test) return ['If you can read this, the channel works.'];
  const lines = m.notices
    .slice(0, MAX_LINES)
    .map((n) => `${label(n)}: ${n.alert.title} (${n.alert.message})`);
  if (m.notices.length > MAX_LINES) lines.push(`…and ${m.notices.length - MAX_LINES} more`);
  return lines;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const COLOURS: Record<AlertSeverity, string> = {
  info: '#2f81f7',
  warning: '#d29922',
  critical: '#cf222e',
};

/** The JSON body a channel of this kind is sent. */
export function payloadFor(kind: Exclude<ChannelKind, 'email'>, m: Message): unknown {
  const summary = summaryOf(m);
  const lines = linesOf(m);
  switch (kind) {
    case 'webhook':
      return {
        type: 'fleetdesk.alerts',
        deliveryId: m.deliveryId,
        test: m.test,
        digest: m.notices.length > 1,
        summary,
        sentAt: new Date().toISOString(),
        events: m.notices.map((n) => ({ event: n.event, at: n.at, alert: n.alert })),
      };
    case 'slack':
      // Incoming webhooks need `text`; blocks show it formatted (section text ≤ 3000 chars).
      return {
        text: summary,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: clip(summary, 150) } },
          { type: 'section', text: { type: 'mrkdwn', text: clip(lines.join('\n'), 3000) } },
        ],
      };
    case 'teams': {
      // What Teams "Post to a channel when a webhook request is received" workflows accept.
      const worst = m.notices.some((n) => n.alert.severity === 'critical' && n.event === 'fired');
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            contentUrl: null,
            content: {
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              type: 'AdaptiveCard',
              version: '1.4',
              msteams: { width: 'Full' },
              body: [
                {
                  type: 'TextBlock',
                  text: summary,
                  weight: 'Bolder',
                  size: 'Medium',
                  wrap: true,
                  color: worst ? 'Attention' : 'Default',
                },
                ...lines.map((text) => ({ type: 'TextBlock', text, wrap: true, spacing: 'Small' })),
              ],
            },
          },
        ],
        // Older connector-style receivers read these.
        summary,
        themeColor: COLOURS[worst ? 'critical' : 'info'].slice(1),
      };
    }
  }
}

/**
 * HMAC-SHA256 over `<timestamp>.<body>`, hex, as `sha256=<hex>`: the receiver recomputes it
 * with the channel's secret and rejects old timestamps, so a captured request cannot be replayed
 * later or altered.
 */
export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** Delay before retry number `attempt` (1 = the first retry): exponential, with jitter. */
export function retryDelayMs(attempt: number, baseMs: number, random = Math.random): number {
  const ceiling = Math.min(baseMs * 2 ** (attempt - 1), 15 * 60_000);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
