import { createHmac } from 'node:crypto';
import type { AlertNotice } from '../alerts/alerts.service';
import { payloadFor, retryDelayMs, routes, signature, summaryOf, type Message } from './payloads';

const notice = (
  i: number,
  over: Partial<AlertNotice['alert']> = {},
  event: 'fired' | 'resolved' = 'fired',
): AlertNotice => ({
  eventId: String(i),
  event,
  at: '2026-11-29T22:00:00.000Z',
  groupId: 'g1',
  tags: ['web'],
  alert: {
    id: `a${i}`,
    source: 'device_offline',
    subject: `device_offline:d${i}`,
    checkId: null,
    deviceId: `d${i}`,
    title: `Device offline: host-${i}`,
    message: 'silent',
    severity: 'critical',
    state: 'firing',
    muted: false,
    firedAt: '2026-11-29T22:00:00.000Z',
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    links: { device: `/devices/d${i}`, check: null },
    ...over,
  },
});

const msg = (notices: AlertNotice[], test = false): Message => ({
  deliveryId: 'del-1',
  channelName: 'ops',
  test,
  notices,
});

describe('notification payloads', () => {
  it('routes by minimum severity, group and tag', () => {
    const n = notice(1, { severity: 'warning' });
    expect(routes({ minSeverity: 'warning', groupIds: [], tags: [] }, n)).toBe(true);
    expect(routes({ minSeverity: 'critical', groupIds: [], tags: [] }, n)).toBe(false);
    expect(routes({ minSeverity: 'info', groupIds: ['g2'], tags: [] }, n)).toBe(false);
    expect(routes({ minSeverity: 'info', groupIds: ['g1'], tags: ['db'] }, n)).toBe(false);
    expect(routes({ minSeverity: 'info', groupIds: ['g1'], tags: ['db', 'web'] }, n)).toBe(true);
  });

  it('summarises one change, a digest of many, and a test', () => {
    expect(summaryOf(msg([notice(1)]))).toBe('[FIRING critical] Device offline: host-1');
    const many = [...Array.from({ length: 50 }, (_, i) => notice(i)), notice(99, {}, 'resolved')];
    expect(summaryOf(msg(many))).toBe('Fleetdesk digest: 50 alert(s) fired, 1 resolved');
    expect(summaryOf(msg([], true))).toMatch(/test notification for channel "ops"/);
  });

  it('builds Fleetdesk JSON, a Slack message and a Teams adaptive card', () => {
    const many = Array.from({ length: 60 }, (_, i) => notice(i));
    const json = payloadFor('webhook', msg(many)) as { digest: boolean; events: unknown[] };
    expect(json.digest).toBe(true);
    expect(json.events).toHaveLength(60);
    const slack = payloadFor('slack', msg(many)) as {
      text: string;
      blocks: { text: { text: string } }[];
    };
    expect(slack.text).toMatch(/60 alert/);
    expect(slack.blocks[1].text.text).toMatch(/…and 10 more$/);
    expect(slack.blocks[1].text.text.length).toBeLessThanOrEqual(3000);
    const teams = payloadFor('teams', msg([notice(1)])) as {
      type: string;
      attachments: { contentType: string; content: { type: string; body: { text: string }[] } }[];
    };
    expect(teams.type).toBe('message');
    expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0].content.type).toBe('AdaptiveCard');
    expect(teams.attachments[0].content.body[0].text).toMatch(/Device offline: host-1/);
  });

  it('signs "<timestamp>.<body>" with HMAC-SHA256', () => {
    const expected = createHmac('sha256', 'k').update('123.{"a":1}').digest('hex');
    expect(signature('k', '123', '{"a":1}')).toBe(`sha256=${expected}`);
  });

  it('backs off exponentially, with jitter, up to a ceiling', () => {
    expect(retryDelayMs(1, 2000, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 2000, () => 1)).toBe(2000);
    expect(retryDelayMs(4, 2000, () => 1)).toBe(16000);
    expect(retryDelayMs(30, 2000, () => 1)).toBe(15 * 60_000);
  });
});
